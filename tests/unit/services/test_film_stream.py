"""A film printed as it is composed: sheet 1 goes to the printer while later sheets are made,
and what can still go wrong after it did holds the job for a nurse, never loses a sheet."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.base import FilmSheet
from drivers.film.fake import FakeDicomFilmPrinter
from kiosk_app.core.models import JobState
from kiosk_app.services.film import FilmError
from kiosk_app.services.filmstream import FilmCancelledError, FilmStream
from kiosk_app.services.printing import PrintingService, sheet_digest
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository, LedgerRepository
from tests.unit.services.test_printing_units import EXAM, printed, service, sheets, unit_states


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def gated(all_sheets: list[FilmSheet], fail_at: int | None = None) -> tuple[
    FilmStream, list[threading.Event]
]:  # fmt: skip
    """A stream whose sheet i is composed only when ``gates[i]`` is set; ``fail_at`` fails."""
    gates = [threading.Event() for _ in all_sheets]

    def produce(emit: Callable[[FilmSheet], None], cancelled: Callable[[], bool]) -> None:
        for i, sheet in enumerate(all_sheets):
            assert gates[i].wait(10)
            if cancelled():
                return
            if i == fail_at:
                raise FilmError(detail="the image's bitstream is damaged")
            emit(sheet)

    return FilmStream.start(len(all_sheets), produce), gates


def test_a_stream_hands_over_sheets_in_order_as_they_are_made() -> None:
    made = sheets(3)
    stream, gates = gated(made)
    with pytest.raises(TimeoutError):
        stream.sheet(0, timeout=0.05)
    gates[0].set()
    assert stream.sheet(0, timeout=5) is made[0]
    assert stream.composed == 1
    with pytest.raises(TimeoutError):
        stream.sheet(1, timeout=0.05)
    gates[1].set(), gates[2].set()
    assert stream.all() == made
    with pytest.raises(IndexError):
        stream.sheet(3)


def test_a_sheet_that_failed_raises_the_producers_error_and_those_before_it_stay() -> None:
    made = sheets(3)
    stream, gates = gated(made, fail_at=1)
    for gate in gates:
        gate.set()
    assert stream.sheet(0, timeout=5) is made[0]
    with pytest.raises(FilmError, match="damaged"):
        stream.sheet(1, timeout=5)
    with pytest.raises(FilmError):
        stream.sheet(2, timeout=5)


def test_a_producer_that_makes_fewer_sheets_than_planned_is_an_error() -> None:
    stream = FilmStream.start(3, lambda emit, _cancelled: emit(sheets(1)[0]))
    stream.sheet(0, timeout=5)
    with pytest.raises(RuntimeError, match="3 sheets; 1 were made"):
        stream.sheet(2, timeout=5)


def test_a_cancelled_stream_stops_composing() -> None:
    stream, gates = gated(sheets(3))
    gates[0].set()
    stream.sheet(0, timeout=5)
    stream.cancel()
    gates[1].set(), gates[2].set()
    with pytest.raises(FilmCancelledError):
        stream.sheet(1, timeout=5)


def test_sheet_1_prints_while_sheet_3_is_still_being_composed(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    made = sheets(3)
    stream, gates = gated(made)
    gates[0].set()
    job = printing.submit_film(EXAM, stream).job_id
    # the printer has sheet 1 and the job knows it has 3 units before sheets 2 and 3 exist
    assert printed(film) == [1] and stream.composed == 1
    assert unit_states(store, job) == ["sent", "pending", "pending"]
    gates[1].set(), gates[2].set()
    done = printing.wait([job], 10)[job]
    assert (done.state, done.confirmed) == (JobState.COMPLETED, 3)
    assert printed(film) == [1, 2, 3]
    with store.session() as s:  # each sheet's digest recorded when it was sent
        assert [u.digest for u in JobRepository(s).get(job).units] == [
            sheet_digest(m) for m in made
        ]


def test_a_later_sheet_that_cannot_be_made_holds_the_job_with_the_printed_ones_kept(
    store: Store,
) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    stream, gates = gated(sheets(3), fail_at=2)
    for gate in gates:
        gate.set()
    job = printing.submit_film(EXAM, stream).job_id
    result = printing.wait([job], 10)[job]
    assert result.state is JobState.PAUSED and result.confirmed == 2
    assert "sheet 3 could not be made" in result.attention and "damaged" in result.attention
    assert printed(film) == [1, 2]  # nothing sent twice, nothing for sheet 3
    assert unit_states(store, job) == ["confirmed", "confirmed", "pending"]
    with store.session() as s:
        assert LedgerRepository(s).last_delivery(f"{EXAM.study_uid}/film") is None
    # a nurse's resume tries again and holds again; cancelling ends it, nothing delivered
    assert printing.resume(job, "nurse").attention
    assert printed(film) == [1, 2]
    assert printing.cancel(job, "nurse").state is JobState.CANCELED


def test_a_first_sheet_that_cannot_be_made_records_and_sends_nothing(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    printing = service(store, film)
    stream, gates = gated(sheets(2), fail_at=0)
    gates[0].set()
    with pytest.raises(FilmError):
        printing.submit_film(EXAM, stream)
    assert printed(film) == []
    with store.session() as s:
        assert JobRepository(s).open_jobs() == []


def test_a_job_resumed_after_a_restart_checks_only_the_digests_it_recorded(
    store: Store,
) -> None:
    """Sheets 2-3 were never sent before the crash, so the job recorded no digest for them;
    the recomposed film is checked against sheet 1's and sent from sheet 2 on."""
    film = FakeDicomFilmPrinter()
    made = sheets(3)
    stream, gates = gated(made)
    gates[0].set()
    job = service(store, film).submit_film(EXAM, stream).job_id
    with store.session() as s:
        assert [bool(u.digest) for u in JobRepository(s).get(job).units] == [True, False, False]
    gates[1].set(), gates[2].set()
    restarted: PrintingService = service(store, film, recompose=lambda *_: sheets(3))
    restarted.reconcile()
    restarted.resume(job, "nurse")
    done = restarted.wait([job], 10)[job]
    assert done.state is JobState.COMPLETED and printed(film) == [1, 2, 3]
