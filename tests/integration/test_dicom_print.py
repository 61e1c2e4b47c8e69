"""DICOM film printing: dcmtk's print SCP for what it stores, our own SCP for printer faults.

dcmprscp stores each printed film box as a Hardcopy Grayscale image (``HG_*.dcm``) whose pixels
must be exactly the sheet the kiosk sent. It cannot fail, so jams, warnings and N-EVENT-REPORTs
come from :class:`tests.helpers.print_scp.FaultyPrintScp` (pynetdicom, on loopback).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pydicom
import pytest

from drivers.base import FilmSheet, PrinterState
from drivers.film.dicom_print import DicomFilmPrinter
from drivers.printer.fake import FakeDocumentPrinter
from kiosk_app.core.models import Exam, JobState
from kiosk_app.services.device_status import Severity, printer_conditions
from kiosk_app.services.maintenance import MaintenanceService
from kiosk_app.services.printing import PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository, LedgerRepository
from tests.helpers.print_scp import FaultyPrintScp

if TYPE_CHECKING:
    from tests.helpers.services import PrintScpOutput

pytestmark = pytest.mark.integration

EXAM = Exam("1.2.826.0.1.3680043.10.6.2", "ACC-DCM-1", "P-DCM", "TEST", None, ("CT",), "CT")


def make_sheets(n: int, shape: tuple[int, int], seed: int) -> list[FilmSheet]:
    rng = np.random.default_rng(seed)
    return [
        FilmSheet(rng.integers(0, 256, size=shape, dtype=np.uint8), "14INX17IN", 100)
        for _ in range(n)
    ]


def sheet_numbers(images: Sequence[np.ndarray], sheets: Sequence[FilmSheet]) -> list[int]:
    """Which sheet (1-based) each printed image is; 0 for an image that is none of them."""
    found = []
    for image in images:
        match = [i + 1 for i, s in enumerate(sheets) if np.array_equal(image, s.pixels)]
        found.append(match[0] if match else 0)
    return found


@pytest.fixture
def faulty_scp() -> Iterator[FaultyPrintScp]:
    scp = FaultyPrintScp().start()
    yield scp
    scp.stop()


def service(store: Store, film: DicomFilmPrinter, tmp_path: Path) -> PrintingService:
    return PrintingService(store, FakeDocumentPrinter(tmp_path / "reports"), film)


def drive_to_end(printing: PrintingService, job: int) -> None:
    for _ in range(100):  # a DICOM sheet is confirmed when its N-ACTION answers: no waiting
        if not printing.check(job).state.open:
            return
    pytest.fail(f"job {job} did not finish")


def test_a_4_sheet_14x17_film_reaches_dcmprscp_pixel_for_pixel(
    print_scp: PrintScpOutput, store: Store, tmp_path: Path
) -> None:
    film = DicomFilmPrinter(print_scp.ae_title, print_scp.host, print_scp.port)
    assert film.status().state is PrinterState.IDLE
    printing = service(store, film, tmp_path)
    sheets = make_sheets(4, (1700, 1400), seed=61)  # 14 x 17 in at 100 dpi

    job = printing.submit_film(EXAM, sheets).job_id
    drive_to_end(printing, job)

    assert printing.result(job).state is JobState.COMPLETED
    stored = print_scp.images()
    assert sheet_numbers([pydicom.dcmread(p).pixel_array for p in stored], sheets) == [1, 2, 3, 4]
    for path in print_scp.database.glob("SP_*.dcm"):
        if path.stat().st_mtime_ns >= stored[0].stat().st_mtime_ns:
            box = pydicom.dcmread(path).FilmBoxContentSequence[0]
            assert box.FilmSizeID == "14INX17IN" and box.ImageDisplayFormat == "STANDARD\\1,1"
    with store.session() as session:
        assert [e.units for e in LedgerRepository(session).all()] == [4]


def test_several_sheets_in_one_session_and_12_bit_pixels(print_scp: PrintScpOutput) -> None:
    film = DicomFilmPrinter(print_scp.ae_title, print_scp.host, print_scp.port)
    twelve = np.arange(1100 * 1100, dtype=np.uint16).reshape(1100, 1100) % 4096
    sheets = [
        FilmSheet(twelve, "14INX14IN", 80),
        FilmSheet(np.full((1100, 1400), 200, np.uint8), "14INX17IN", 100, portrait=False),
    ]
    job = film.submit_sheets(sheets, "ACC-DCM-2")
    assert job.startswith("fb:") and film.job_status(job).phase.value == "completed"
    stored = [pydicom.dcmread(p).pixel_array for p in print_scp.images()]
    assert len(stored) == 2
    np.testing.assert_array_equal(stored[0], twelve)
    np.testing.assert_array_equal(stored[1], sheets[1].pixels)


def test_film_jam_at_sheet_3_resumes_and_the_printer_gets_sheets_1_to_5_once_each(
    faulty_scp: FaultyPrintScp, store: Store, tmp_path: Path
) -> None:
    faulty_scp.jam_at = 3
    film = DicomFilmPrinter(faulty_scp.ae_title, "127.0.0.1", faulty_scp.port)
    printing = service(store, film, tmp_path)
    nurse = MaintenanceService(store, printing, {"film": film})
    sheets = make_sheets(5, (170, 140), seed=62)

    job = printing.submit_film(EXAM, sheets).job_id
    for _ in range(10):
        result = printing.check(job)
    assert (result.state, result.confirmed) == (JobState.PAUSED, 2)
    assert "FILM JAM" in result.reason and result.attention
    assert sheet_numbers(faulty_scp.printed, sheets) == [1, 2]
    (jam,) = nurse.printer_conditions()["film"]
    assert (jam.code, jam.severity, jam.source) == ("media-jam", Severity.ERROR, "FILM JAM")

    faulty_scp.clear()
    nurse.resume(job, "nurse02")
    drive_to_end(printing, job)
    assert printing.result(job).state is JobState.COMPLETED
    assert sheet_numbers(faulty_scp.printed, sheets) == [1, 2, 3, 4, 5]
    with store.session() as session:
        assert [e.units for e in LedgerRepository(session).all()] == [5]


def test_a_printer_in_failure_gets_nothing_and_the_job_waits(
    faulty_scp: FaultyPrintScp, store: Store, tmp_path: Path
) -> None:
    faulty_scp.status, faulty_scp.info = "FAILURE", "COVER OPEN"
    film = DicomFilmPrinter(faulty_scp.ae_title, "127.0.0.1", faulty_scp.port)
    printing = service(store, film, tmp_path)
    result = printing.submit_film(EXAM, make_sheets(1, (170, 140), seed=63))
    assert result.state is JobState.PAUSED and "COVER OPEN" in result.reason
    assert faulty_scp.printed == [] and faulty_scp.print_requests == 0
    assert [c.code for c in printer_conditions(film.status())] == ["door-open"]


def test_a_warning_status_and_an_event_report_do_not_stop_printing(
    faulty_scp: FaultyPrintScp, store: Store, tmp_path: Path
) -> None:
    faulty_scp.status, faulty_scp.info = "WARNING", "SUPPLY LOW"
    faulty_scp.event_after_print = (2, "RECEIVER FULL")  # N-EVENT-REPORT: Printer WARNING
    film = DicomFilmPrinter(faulty_scp.ae_title, "127.0.0.1", faulty_scp.port, event_wait=10)
    printing = service(store, film, tmp_path)
    sheets = make_sheets(2, (170, 140), seed=64)
    job = printing.submit_film(EXAM, sheets).job_id
    drive_to_end(printing, job)
    assert printing.result(job).state is JobState.COMPLETED
    assert sheet_numbers(faulty_scp.printed, sheets) == [1, 2]

    event = film.last_event
    assert event is not None and (event.status, event.info) == ("WARNING", "RECEIVER FULL")
    status = film.status()
    assert status.state is PrinterState.IDLE and status.accepting_jobs
    assert [(c.code, c.severity) for c in printer_conditions(status)] == [
        ("media-low", Severity.WARNING)
    ]


def test_a_printer_with_print_jobs_is_asked_until_the_job_is_done(
    faulty_scp: FaultyPrintScp, store: Store, tmp_path: Path
) -> None:
    faulty_scp.print_job_states = ["PRINTING", "PRINTING", "DONE"]
    film = DicomFilmPrinter(faulty_scp.ae_title, "127.0.0.1", faulty_scp.port)
    printing = service(store, film, tmp_path)
    sheets = make_sheets(2, (170, 140), seed=66)
    job = printing.submit_film(EXAM, sheets).job_id
    with store.session() as session:
        first = JobRepository(session).get(job).units[0].printer_job_id or ""
    assert first.startswith("pj:")
    assert printing.check(job).confirmed == 0  # the printer says PRINTING
    assert printing.check(job).confirmed == 0
    assert printing.check(job).confirmed == 1  # DONE: confirmed, and sheet 2 is sent
    drive_to_end(printing, job)
    assert printing.result(job).state is JobState.COMPLETED
    assert sheet_numbers(faulty_scp.printed, sheets) == [1, 2]


def test_an_unreachable_printer_fails_the_job_before_anything_prints(
    store: Store, tmp_path: Path
) -> None:
    film = DicomFilmPrinter("NOBODY", "127.0.0.1", 9, timeout=2)
    assert film.status().state is PrinterState.UNKNOWN
    printing = service(store, film, tmp_path)
    result = printing.submit_film(EXAM, make_sheets(1, (170, 140), seed=65))
    assert result.state is JobState.FAILED
