"""Jobs as a persisted state machine per sheet: pause, resume, cancel, crash, consumables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.base import FilmSheet, JobPhase, JobStatus
from drivers.errors import PrinterError
from drivers.film.fake import FakeDicomFilmPrinter
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.services.policy import NotEnoughFilmError
from kiosk_app.services.printing import PrintingService, Recompose, UnitState
from kiosk_app.store import Store
from kiosk_app.store.repositories import (
    ConsumableRepository,
    JobRepository,
    LedgerRepository,
    item_key,
)
from tests.unit.fakes import ScriptedPrinter

EXAM = Exam("1.2.3", "ACC1", "P1", "TEST", None, ("CT",), "CT head")


def sheets(n: int) -> list[FilmSheet]:
    return [FilmSheet(np.full((20, 16), i + 1, np.uint8), "14INX17IN", 1) for i in range(n)]


def printed(printer: FakeDicomFilmPrinter) -> list[int]:
    """Which sheet each film the printer took was (the sheets' pixel value is their number)."""
    return [f.image_box.BasicGrayscaleImageSequence[0].PixelData[0] for f in printer.films]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


class Clock:
    """Time that passes only when the service sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def service(
    store: Store, film: FakeDicomFilmPrinter | ScriptedPrinter, recompose: Recompose | None = None
) -> PrintingService:
    clock = Clock()
    return PrintingService(
        store,
        ScriptedPrinter("Paper"),
        film,
        clock=clock,
        sleep=clock.sleep,
        recompose=recompose,
    )


def unit_states(store: Store, job: int) -> list[str]:
    with store.session() as s:
        return [u.state for u in JobRepository(s).get(job).units]


def test_sheets_go_one_at_a_time_and_each_is_confirmed(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(3)).job_id
    assert printed(film) == [1] and unit_states(store, job) == ["sent", "pending", "pending"]
    assert printing.check(job).confirmed == 1 and printed(film) == [1, 2]
    done = printing.wait([job], 10)[job]
    assert (done.state, done.confirmed) == (JobState.COMPLETED, 3)
    assert printed(film) == [1, 2, 3]
    with store.session() as s:
        assert [e.units for e in LedgerRepository(s).all()] == [3]


def test_jam_at_sheet_3_pauses_for_a_nurse_and_resume_prints_3_to_5_once(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    film.jam_after = 2
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(5)).job_id
    paused = printing.wait([job], 10)[job]
    assert (paused.state, paused.confirmed, paused.reason) == (JobState.PAUSED, 2, "FILM JAM")
    assert paused.attention
    assert printing.check(job).state is JobState.PAUSED  # it does not go on by itself
    assert printed(film) == [1, 2]

    film.clear()
    assert printing.check(job).state is JobState.PAUSED  # still waits for "resume"
    printing.resume(job, "nurse01")
    done = printing.wait([job], 10)[job]
    assert done.state is JobState.COMPLETED and printed(film) == [1, 2, 3, 4, 5]
    with store.session() as s:
        attempts = [u.attempts for u in JobRepository(s).get(job).units]
    assert attempts == [1, 1, 2, 1, 1]  # sheet 3 was refused once, then printed


def test_a_sheet_the_printer_drops_is_sent_again_only_on_resume(store: Store) -> None:
    script = [
        JobStatus(JobPhase.COMPLETED),
        JobStatus(JobPhase.ABORTED, message="jammed and purged"),
        JobStatus(JobPhase.COMPLETED),
    ]
    film = ScriptedPrinter("Film", script)
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(2)).job_id
    assert printing.check(job).confirmed == 1
    lost = printing.check(job)
    assert lost.state is JobState.PAUSED
    assert lost.reason == "aborted at the printer: jammed and purged"
    assert unit_states(store, job) == ["confirmed", "lost"]
    assert printing.check(job).state is JobState.PAUSED and len(film.sent) == 2
    printing.resume(job, "nurse01")
    assert len(film.sent) == 3  # the lost sheet, again
    assert printing.wait([job], 10)[job].state is JobState.COMPLETED


def test_a_crash_while_sending_leaves_the_job_unknown_for_a_nurse(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(3)).job_id
    printing.check(job)  # sheet 1 confirmed, sheet 2 sent
    with store.session() as s:  # the kiosk dies between "sending" and the printer's answer
        JobRepository(s).get(job).units[2].state = UnitState.SENDING.value

    restarted = service(store, film)
    (result,) = restarted.reconcile()
    assert result.state is JobState.UNKNOWN
    assert unit_states(store, job) == ["confirmed", "confirmed", "uncertain"]
    assert len(film.films) == 2  # nothing sent again
    with store.session() as s:
        assert LedgerRepository(s).all() == []

    delivered = restarted.confirm_printed(job, "nurse01")  # the sheet is in the tray
    assert delivered.state is JobState.COMPLETED
    with store.session() as s:
        assert len(LedgerRepository(s).all()) == 1


def test_a_sheet_found_in_the_tray_after_a_crash_is_not_sent_again_and_the_rest_is(
    store: Store,
) -> None:
    """Killed while handing sheet 2 of 3 to the printer, which printed it: the nurse finds it
    in the tray; the kiosk goes on with sheet 3 only (the soak found this: the nurse's only
    choices were to resend sheet 2, a duplicate, or to cancel a half-printed film)."""
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(3)).job_id  # sheet 1 sent
    printing.check(job)  # sheet 1 confirmed, sheet 2 sent: it printed
    with store.session() as s:  # ... but the kiosk died before recording the printer's answer
        units = JobRepository(s).get(job).units
        units[1].state, units[2].state = UnitState.SENDING.value, UnitState.PENDING.value
    assert printed(film) == [1, 2]

    restarted = restarted_with(store, film, sheets(3))
    (result,) = restarted.reconcile()
    assert result.state is JobState.UNKNOWN
    assert unit_states(store, job) == ["confirmed", "uncertain", "pending"]

    restarted.confirm_printed(job, "nurse01")  # sheet 2 is in the tray
    done = restarted.wait([job], 10)[job]
    assert done.state is JobState.COMPLETED and done.confirmed == 3
    assert printed(film) == [1, 2, 3]  # sheet 2 once, sheet 3 sent
    with store.session() as s:
        assert [e.units for e in LedgerRepository(s).all()] == [3]


def test_a_sheet_in_the_tray_whose_film_cannot_be_rebuilt_stays_unknown(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(3)).job_id
    printing.check(job)
    with store.session() as s:
        units = JobRepository(s).get(job).units
        units[1].state, units[2].state = UnitState.SENDING.value, UnitState.PENDING.value
    restarted = service(store, film)  # nothing can recompose the film
    restarted.reconcile()
    with pytest.raises(ValueError):
        restarted.confirm_printed(job, "nurse01")
    assert unit_states(store, job) == ["confirmed", "uncertain", "pending"]
    assert restarted.result(job).state is JobState.UNKNOWN


def test_a_restart_with_sheets_left_holds_the_job(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    job = service(store, film).submit_film(EXAM, sheets(3)).job_id
    (result,) = service(store, film).reconcile()
    assert (result.state, result.confirmed) == (JobState.PAUSED, 1)
    assert "interrupted by a restart" in result.attention
    with pytest.raises(ValueError, match="restarted since it was sent"):
        service(store, film).resume(job, "nurse01")  # nothing can rebuild the sheets
    assert len(film.films) == 1


def restarted_with(store: Store, film: FakeDicomFilmPrinter, content: object) -> PrintingService:
    """The kiosk after a restart, able to recompose the job's content from the study."""
    calls: list[tuple[object, ...]] = []

    def recompose(*args: object) -> object:
        calls.append(args)
        return content

    printing = service(store, film, recompose)  # type: ignore[arg-type]
    printing.recompose_calls = calls  # type: ignore[attr-defined]
    return printing


def test_a_jam_then_a_crash_resumes_with_recomposed_identical_sheets(store: Store) -> None:
    """Power cut while a nurse is clearing a jam at sheet 3: after the restart she resumes and
    the printer has each of sheets 1-5 exactly once."""
    film = FakeDicomFilmPrinter()
    film.jam_after = 2
    first = service(store, film)
    job = first.submit_film(EXAM, sheets(5)).job_id
    first.wait([job], 10)
    assert printed(film) == [1, 2]
    # power cut: the sheets in memory are gone
    restarted = restarted_with(store, film, sheets(5))
    restarted.reconcile()
    film.clear()
    restarted.resume(job, "nurse01")
    done = restarted.wait([job], 10)[job]
    assert done.state is JobState.COMPLETED
    assert printed(film) == [1, 2, 3, 4, 5]
    assert restarted.recompose_calls == [  # type: ignore[attr-defined]
        (ItemKind.FILM, EXAM.study_uid, EXAM.accession_number, EXAM.patient_id)
    ]
    with store.session() as s:
        assert [e.units for e in LedgerRepository(s).all()] == [5]


def test_recomposed_sheets_that_differ_are_refused_and_nothing_is_sent(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    job = service(store, film).submit_film(EXAM, sheets(3)).job_id
    changed = sheets(3)
    changed[2] = FilmSheet(np.full((20, 16), 99, np.uint8), "14INX17IN", 1)
    restarted = restarted_with(store, film, changed)
    restarted.reconcile()
    with pytest.raises(ValueError, match="differ from those first sent"):
        restarted.resume(job, "nurse01")
    assert printed(film) == [1]
    assert restarted.check(job).state is JobState.PAUSED  # still waits for the nurse


def test_cancel_stops_a_job_and_nothing_is_delivered(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    film.jam_after = 1
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(3)).job_id
    printing.wait([job], 5)
    result = printing.cancel(job, "nurse01", "patient left")
    assert (result.state, result.reason) == (JobState.CANCELED, "patient left")
    assert unit_states(store, job) == ["confirmed", "canceled", "canceled"]
    film.clear()
    assert printing.check(job).state is JobState.CANCELED and printed(film) == [1]


def test_film_counts_down_per_confirmed_sheet_and_refuses_a_job_it_cannot_finish(
    store: Store,
) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    with store.session() as s:
        ConsumableRepository(s).set_loaded(film.name, "14INX17IN", 4, "nurse01")
    job = printing.submit_film(EXAM, sheets(3)).job_id
    printing.wait([job], 5)
    with store.session() as s:
        assert ConsumableRepository(s).get(film.name, "14INX17IN").remaining == 1  # type: ignore[union-attr]
    with pytest.raises(NotEnoughFilmError) as refused:
        printing.submit_film(EXAM, sheets(2))
    assert refused.value.params == {"size": "14INX17IN", "needed": 2, "remaining": 1}
    assert "14INX17IN" in str(refused.value) and len(film.films) == 3
    with store.session() as s:
        assert len(JobRepository(s).open_jobs()) == 0


class FinishesWhatItHas(ScriptedPrinter):
    """A jammed printer that, cleared as the cancel comes, prints the sheet it holds: its
    driver then says the cancelled job completed (``after``), or cannot say (None)."""

    def __init__(self, after: JobPhase | None) -> None:
        super().__init__("IPPFilm", [JobStatus(JobPhase.PROCESSING, ("media-jam-error",))])
        self.after, self.canceled = after, ""

    def cancel(self, job_id: str) -> None:
        self.canceled = job_id

    def job_status(self, job_id: str) -> JobStatus:
        if self.canceled != job_id:
            return super().job_status(job_id)
        if self.after is None:
            raise PrinterError("job.unknown", f"no job {job_id} any more")
        return JobStatus(self.after)


def test_a_canceled_sheet_the_printer_printed_anyway_is_delivered_not_printed_again(
    store: Store,
) -> None:
    """Found by the soak (the IPP Everywhere printer jammed; the nurse cleared it and cancelled,
    the patient having left): the sheet came out after all, the kiosk recorded it cancelled,
    and the patient's next visit printed the same film a second time."""
    film = FinishesWhatItHas(JobPhase.COMPLETED)
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(1)).job_id
    assert printing.check(job).state is JobState.PAUSED
    result = printing.cancel(job, "nurse01", "patient left")
    assert result.state is JobState.COMPLETED and "before the cancel" in result.reason
    assert unit_states(store, job) == ["confirmed"]
    with store.session() as s:  # delivered: print-once holds at the next visit
        assert LedgerRepository(s).last_delivery(item_key(EXAM.study_uid, "film")) is not None
    assert len(film.sent) == 1


def test_a_canceled_sheet_whose_printer_cannot_say_waits_for_the_nurse(store: Store) -> None:
    film = FinishesWhatItHas(None)
    printing = service(store, film)
    job = printing.submit_film(EXAM, sheets(2)).job_id
    assert printing.check(job).state is JobState.PAUSED
    result = printing.cancel(job, "nurse01", "patient left")
    assert result.state is JobState.UNKNOWN
    assert unit_states(store, job) == ["uncertain", "canceled"]
    with store.session() as s:
        held = JobRepository(s).get(job)
        assert "may have printed" in held.attention and "look in the tray" in held.attention
        # its outcome unknown, the item is held (a visit plans it as in progress)
        unknown = JobRepository(s).item_keys_in_state(JobState.UNKNOWN)
        assert item_key(EXAM.study_uid, "film") in unknown
    assert len(film.sent) == 1  # nothing more went out
