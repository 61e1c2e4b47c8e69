"""The CUPS printers against the real scheduler: cups-pdf for reports, jamsim for film."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from drivers.base import FilmSheet, JobPhase, JobStatus, Printer, PrinterState
from drivers.errors import PrinterError
from drivers.printer import CupsDocumentPrinter, CupsFilmPrinter
from drivers.printer.sheet_pdf import page_size_points

if TYPE_CHECKING:
    from conftest import CupsQueues

pytestmark = pytest.mark.integration

SENTENCE = "Kiosk integration check 4711: the quick brown fox jumps over the lazy dog."


def report_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 760, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def film_sheets() -> list[FilmSheet]:
    rng = np.random.default_rng(20261126)
    noise = rng.integers(0, 256, size=(850, 700), dtype=np.uint8)  # 14x17 in at 50 dpi
    ramp = np.tile(np.arange(256, dtype=np.uint8), (300, 2))  # landscape 8x10 in, odd dpi
    return [FilmSheet(noise, "14INX17IN", 50), FilmSheet(ramp, "8INX10IN", 64, portrait=False)]


def wait_for(
    printer: Printer, job_id: str, accept: Callable[[JobStatus], bool], timeout: float = 30.0
) -> tuple[JobStatus, float]:
    """Poll job_status (every 50 ms) until ``accept(status)``: that status and the seconds taken.

    Fails at once if the job ends otherwise, or after ``timeout``.
    """
    start = time.monotonic()
    while True:
        status = printer.job_status(job_id)
        elapsed = time.monotonic() - start
        if accept(status):
            return status, elapsed
        if status.phase.final or elapsed > timeout:
            pytest.fail(f"job {job_id} on {printer.name}: {status} after {elapsed:.1f} s")
        time.sleep(0.05)


def completed(status: JobStatus) -> bool:
    return status.phase is JobPhase.COMPLETED


def test_report_is_printed_by_cups_pdf(cups_queues: CupsQueues) -> None:
    printer = CupsDocumentPrinter(cups_queues.report_queue)
    assert printer.status().state is PrinterState.IDLE

    job = printer.submit_pdf(report_pdf(SENTENCE), "ACC-INT-1 report", {"media": "A4"})
    _, seconds = wait_for(printer, job, completed)
    print(f"KioskPDF job {job} completed in {seconds:.2f} s")

    output = cups_queues.report_output(job)
    pages = PdfReader(output).pages
    assert len(pages) == 1
    assert SENTENCE in pages[0].extract_text()
    after = printer.status()
    assert after.state is PrinterState.IDLE and after.accepting_jobs and not after.reasons


def test_film_sheets_reach_the_printer_pixel_for_pixel(cups_queues: CupsQueues) -> None:
    cups_queues.set_film_markers(42)
    printer = CupsFilmPrinter(cups_queues.film_queue)
    sheets = film_sheets()

    job = printer.submit_sheets(sheets, "ACC-INT-2 films")
    _, seconds = wait_for(printer, job, completed)
    print(f"KioskFilm job {job} completed in {seconds:.2f} s")

    received = PdfReader(cups_queues.film_output(job))
    assert len(received.pages) == len(sheets)
    for page, sheet in zip(received.pages, sheets, strict=True):
        width, height = page_size_points(sheet)
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (width, height)
        )
        assert len(page.images) == 1
        image = page.images[0].image
        assert image is not None and image.mode == "L"
        np.testing.assert_array_equal(np.asarray(image), sheet.pixels)
    assert printer.status().markers == {"Film": 42}


def test_film_jam_holds_the_job_until_cleared(cups_queues: CupsQueues) -> None:
    printer = CupsFilmPrinter(cups_queues.film_queue)
    cups_queues.set_film_fault("jam")

    job = printer.submit_sheets(film_sheets()[1:], "ACC-INT-3 films")
    jammed, seconds = wait_for(printer, job, lambda s: "media-jam-error" in s.reasons, 15)
    print(f"jam reported {seconds:.2f} s after submission")
    assert jammed.phase is JobPhase.PROCESSING
    printer_status = printer.status()
    assert printer_status.state is PrinterState.PROCESSING
    assert "media-jam-error" in printer_status.reasons
    assert not (cups_queues.jamsim_dir / "out" / f"job-{job}.bin").exists()

    cups_queues.set_film_fault("ok")
    status, seconds = wait_for(printer, job, completed, 15)
    print(f"jam cleared: completed {seconds:.2f} s later")
    assert "media-jam-error" not in status.reasons
    assert cups_queues.film_output(job).read_bytes().startswith(b"%PDF-")
    assert "media-jam-error" not in printer.status().reasons


def test_stopped_film_queue_stops_the_job_until_re_enabled(cups_queues: CupsQueues) -> None:
    printer = CupsFilmPrinter(cups_queues.film_queue)
    cups_queues.set_film_fault("empty", policy="stop")

    job = printer.submit_sheets(film_sheets()[1:], "ACC-INT-4 films")
    stopped, _ = wait_for(printer, job, lambda s: s.phase is JobPhase.STOPPED, 15)
    assert "media-empty-error" in stopped.reasons
    printer_status = printer.status()
    assert printer_status.state is PrinterState.STOPPED
    assert "media-empty-error" in printer_status.reasons

    cups_queues.set_film_fault("ok")
    cups_queues.connection().enablePrinter(cups_queues.film_queue)  # what the nurse does
    wait_for(printer, job, completed, 15)
    assert cups_queues.film_output(job).exists()


def test_cancel_a_jammed_job(cups_queues: CupsQueues) -> None:
    printer = CupsFilmPrinter(cups_queues.film_queue)
    cups_queues.set_film_fault("jam")
    job = printer.submit_sheets(film_sheets()[1:], "ACC-INT-5 films")
    wait_for(printer, job, lambda s: s.phase is JobPhase.PROCESSING, 15)

    printer.cancel(job)
    status, _ = wait_for(printer, job, lambda s: s.phase.final, 15)
    assert status.phase is JobPhase.CANCELED
    printer.cancel(job)  # cancelling a cancelled job is not an error


def test_unknown_jobs_and_queues(cups_queues: CupsQueues) -> None:
    report = CupsDocumentPrinter(cups_queues.report_queue)
    film = CupsFilmPrinter(cups_queues.film_queue)
    job = report.submit_pdf(report_pdf("other queue"), "ACC-INT-6 report")
    wait_for(report, job, completed)

    with pytest.raises(PrinterError) as other_queue:
        film.job_status(job)
    assert other_queue.value.code == "job.unknown"
    with pytest.raises(PrinterError) as completed_job:
        report.cancel(job)
    assert completed_job.value.code == "printer.rejected"
    for bad in ("99999999", "abc"):
        with pytest.raises(PrinterError) as unknown:
            report.job_status(bad)
        assert unknown.value.code == "job.unknown"

    missing = CupsDocumentPrinter("NoSuchKioskQueue")
    assert missing.status().state is PrinterState.UNKNOWN
    assert "NoSuchKioskQueue" in missing.status().message
    with pytest.raises(PrinterError) as no_queue:
        missing.submit_pdf(report_pdf("nowhere"), "x")
    assert no_queue.value.code == "printer.rejected"


def test_a_queue_that_refuses_jobs(cups_queues: CupsQueues) -> None:
    cups_queues.connection().rejectJobs(cups_queues.report_queue)
    printer = CupsDocumentPrinter(cups_queues.report_queue)
    assert printer.status().accepting_jobs is False
    with pytest.raises(PrinterError) as refused:
        printer.submit_pdf(report_pdf("refused"), "x")
    assert refused.value.code == "printer.rejected"


def test_scheduler_addresses(cups_queues: CupsQueues) -> None:
    assert CupsDocumentPrinter.is_available().ok  # from CUPS_SERVER, set by services_env
    assert CupsDocumentPrinter.is_available("localhost:631").ok
    over_tcp = CupsDocumentPrinter(cups_queues.report_queue, server="localhost:631")
    assert over_tcp.status().state is PrinterState.IDLE

    closed = "127.0.0.1:9"
    availability = CupsDocumentPrinter.is_available(closed)
    assert not availability.ok and availability.missing == f"cupsd not reachable at {closed}"
    unreachable = CupsDocumentPrinter(cups_queues.report_queue, server=closed)
    assert unreachable.status().state is PrinterState.UNKNOWN
    with pytest.raises(PrinterError) as error:
        unreachable.submit_pdf(report_pdf("nowhere"), "x")
    assert error.value.code == "printer.unreachable"
