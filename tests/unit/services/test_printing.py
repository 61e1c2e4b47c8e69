from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.base import FilmSheet, JobPhase, JobStatus
from drivers.errors import MediaUnsupportedError, PrinterError
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.services.policy import FilmSizeUnsupportedError
from kiosk_app.services.printing import PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository, LedgerRepository
from offline_cache import outbox
from tests.unit.fakes import ScriptedPrinter

EXAM = Exam("1.2.3", "ACC1", "P1", "TEST", None, ("CT",), "CT head")
SHEET = FilmSheet(np.zeros((10, 8), np.uint8), "8INX10IN", 1)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def service(store: Store, report: ScriptedPrinter, film: ScriptedPrinter) -> PrintingService:
    clock = Clock()
    return PrintingService(store, report, film, poll_interval=1.0, clock=clock, sleep=clock.sleep)


def ledger(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(e.item_key, e.printer) for e in LedgerRepository(s).all()]


def test_delivered_only_once_the_printer_confirms(store: Store) -> None:
    film = ScriptedPrinter("Film", [JobStatus(JobPhase.PROCESSING), JobStatus(JobPhase.COMPLETED)])
    printing = service(store, ScriptedPrinter("Paper"), film)
    submitted = printing.submit_film(EXAM, [SHEET, SHEET])
    assert submitted.state is JobState.SUBMITTED
    assert ledger(store) == []
    first = printing.check(submitted.job_id)  # printer still processing
    assert first.state is JobState.SUBMITTED and ledger(store) == []
    done = printing.wait([submitted.job_id], timeout=10)[submitted.job_id]
    assert done.state is JobState.COMPLETED and done.units == 2
    assert ledger(store) == [("1.2.3/film", "Film")]
    with store.session() as s:
        units = JobRepository(s).get(submitted.job_id).units
        assert [u.state for u in units] == ["confirmed", "confirmed"]


def test_a_jam_pauses_the_job_and_clearing_it_completes(store: Store) -> None:
    jam = JobStatus(JobPhase.PROCESSING, ("media-jam-error",))
    film = ScriptedPrinter(
        "Film", [jam, jam, JobStatus(JobPhase.PROCESSING), JobStatus(JobPhase.COMPLETED)]
    )
    printing = service(store, ScriptedPrinter("Paper"), film)
    job = printing.submit_film(EXAM, [SHEET]).job_id
    paused = printing.check(job)
    assert (paused.state, paused.reason) == (JobState.PAUSED, "media-jam-error")
    assert ledger(store) == []
    assert printing.check(job).state is JobState.PAUSED
    assert printing.check(job).state is JobState.SUBMITTED  # printing again
    assert printing.check(job).state is JobState.COMPLETED
    assert len(ledger(store)) == 1


def test_time_out_leaves_the_job_open_and_undelivered(store: Store) -> None:
    film = ScriptedPrinter("Film", [JobStatus(JobPhase.STOPPED, ("media-empty-error",))])
    printing = service(store, ScriptedPrinter("Paper"), film)
    job = printing.submit_film(EXAM, [SHEET]).job_id
    result = printing.wait([job], timeout=5)[job]
    assert result.state is JobState.PAUSED
    assert 4 <= film.polls <= 7
    assert ledger(store) == []
    with store.session() as s:
        assert [j.id for j in JobRepository(s).open_jobs()] == [job]


def test_a_refused_job_fails_without_delivery(store: Store) -> None:
    printing = service(store, ScriptedPrinter("Paper", refuse=True), ScriptedPrinter("Film"))
    result = printing.submit_report(EXAM, b"%PDF-1.4", 1)
    assert result.state is JobState.FAILED
    assert "not accepting" in result.reason
    assert ledger(store) == []


@pytest.mark.parametrize("phase", [JobPhase.CANCELED, JobPhase.ABORTED])
def test_a_job_the_printer_canceled_or_aborted_is_a_fault_not_a_delivery(
    store: Store, phase: JobPhase
) -> None:
    paper = ScriptedPrinter("Paper", [JobStatus(phase, message="Print job canceled at printer.")])
    printing = service(store, paper, ScriptedPrinter("Film"))
    job = printing.submit_report(EXAM, b"%PDF-1.4", 1).job_id
    done = printing.wait([job], 5)[job]
    assert done.state is JobState.FAILED  # not CANCELED: nobody at the kiosk canceled it
    assert f"{phase.value} at the printer" in done.reason and "canceled at printer" in done.reason
    assert ledger(store) == []
    assert len(paper.sent) == 1  # never sent again by itself
    events = outbox.claim(store.engine)
    faults = [e.payload for e in events if e.kind == "device.fault"]
    assert faults == [{"printer": "Paper", "reason": done.reason, "job_id": job}]


def test_a_film_job_the_printer_canceled_midway_waits_for_a_nurse(store: Store) -> None:
    canceled = JobStatus(JobPhase.CANCELED, message="Print job canceled at printer.")
    film = ScriptedPrinter("Film", [JobStatus(JobPhase.COMPLETED), canceled])
    printing = service(store, ScriptedPrinter("Paper"), film)
    job = printing.submit_film(EXAM, [SHEET, SHEET, SHEET]).job_id
    printing.check(job)  # sheet 1 confirmed, sheet 2 sent
    paused = printing.check(job)  # sheet 2 canceled at the printer
    assert paused.state is JobState.PAUSED and paused.confirmed == 1
    assert "canceled at the printer" in paused.attention
    for _ in range(3):
        assert printing.check(job).state is JobState.PAUSED
    assert len(film.sent) == 2 and ledger(store) == []  # nothing resent by itself


def test_a_completion_cups_could_not_verify_is_unknown(store: Store) -> None:
    class LostHistory(ScriptedPrinter):
        def job_status(self, job_id: str) -> JobStatus:
            raise PrinterError("job.uncertain", "the printer lost the job")

    printing = service(store, ScriptedPrinter("Paper"), LostHistory("Film"))
    job = printing.submit_film(EXAM, [SHEET]).job_id
    result = printing.check(job)
    assert result.state is JobState.UNKNOWN and ledger(store) == []


def test_a_film_size_the_printer_lacks_is_refused_before_anything_is_sent(store: Store) -> None:
    class NoSuchFilm(ScriptedPrinter):
        def check_film_size(self, film_size_id: str) -> None:
            raise MediaUnsupportedError(self.name, film_size_id, "x", ("na_edp_11x14in",))

    film = NoSuchFilm("Film")
    printing = service(store, ScriptedPrinter("Paper"), film)
    with pytest.raises(FilmSizeUnsupportedError) as refused:
        printing.submit_film(EXAM, [SHEET])
    assert refused.value.message_id == "film.size_unsupported"
    assert refused.value.params["size"] == "8INX10IN"
    assert "8INX10IN" in str(refused.value) and "na_edp_11x14in" in str(refused.value)
    assert film.sent == []
    with store.session() as s:
        assert JobRepository(s).open_jobs() == []
    faults = [e for e in outbox.claim(store.engine) if e.kind == "device.fault"]
    assert len(faults) == 1 and "8INX10IN" in faults[0].payload["reason"]


def test_reconcile_after_a_crash(store: Store) -> None:
    paper = ScriptedPrinter("Paper", [JobStatus(JobPhase.COMPLETED)])
    printing = service(store, paper, ScriptedPrinter("Film"))
    sent = printing.submit_report(EXAM, b"%PDF-1.4", 1).job_id  # crash before waiting
    with store.session() as s:  # crash between recording and sending
        orphan = (
            JobRepository(s)
            .create(
                kind="film",
                study_uid="1.2.3",
                accession="ACC1",
                patient_id="P1",
                printer="Film",
                units_total=1,
            )
            .id
        )
    results = {r.job_id: r.state for r in printing.reconcile()}
    assert results == {sent: JobState.COMPLETED, orphan: JobState.UNKNOWN}
    assert ledger(store) == [("1.2.3/report", "Paper")]
    assert paper.sent and len(paper.sent) == 1  # nothing was sent again
    assert printing.printer_for(ItemKind.FILM).name == "Film"
