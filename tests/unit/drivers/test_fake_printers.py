"""The fake printers: PDFs in a folder, jobs done at once, faults on demand."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from drivers.base import FilmSheet, JobPhase, PrinterState
from drivers.errors import PrinterError
from drivers.printer import FakeDocumentPrinter, FakeFault, FakeFilmPrinter
from drivers.printer.fake import file_stem


def a_pdf(pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for number in range(pages):
        canvas.drawString(72, 720, f"page {number + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def a_sheet(seed: int) -> FilmSheet:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(60, 50), dtype=np.uint8)
    return FilmSheet(pixels, "14INX17IN", 10)


@pytest.fixture
def reports(tmp_path: Path) -> FakeDocumentPrinter:
    return FakeDocumentPrinter(tmp_path)


def test_a_report_is_written_at_once_under_its_title(
    reports: FakeDocumentPrinter, tmp_path: Path
) -> None:
    pdf = a_pdf(pages=2)
    job = reports.submit_pdf(pdf, "Report ACC-1", {"media": "A4"})

    assert reports.job_status(job).phase is JobPhase.COMPLETED
    path = tmp_path / f"Report_ACC-1-{job}.pdf"
    assert path.read_bytes() == pdf
    assert reports.jobs[job].path == path
    assert reports.jobs[job].options == {"media": "A4"}
    assert reports.jobs[job].pages == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    status = reports.status()
    assert status.state is PrinterState.IDLE and status.accepting_jobs and not status.reasons


def test_job_ids_never_reuse_a_file_already_in_the_folder(tmp_path: Path) -> None:
    first = FakeDocumentPrinter(tmp_path)
    ids = [first.submit_pdf(a_pdf(), "r") for _ in range(3)]
    assert ids == ["1", "2", "3"]

    after_restart = FakeDocumentPrinter(tmp_path)
    job = after_restart.submit_pdf(a_pdf(), "r")
    assert job == "4"
    assert len(list(tmp_path.glob("r-*.pdf"))) == 4


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("ACC 1/2: films", "ACC_1_2_films"),
        ("张三 报告", "张三_报告"),
        ("../../etc/passwd", "etc_passwd"),
        ("", "job"),
        ("x" * 200, "x" * 80),
    ],
)
def test_titles_become_safe_file_names(title: str, stem: str) -> None:
    assert file_stem(title) == stem


def test_a_report_that_is_not_a_pdf_is_refused(reports: FakeDocumentPrinter) -> None:
    with pytest.raises(PrinterError) as error:
        reports.submit_pdf(b"hello", "r")
    assert error.value.code == "printer.rejected"


def test_film_sheets_are_written_as_one_pdf_with_exact_pixels(tmp_path: Path) -> None:
    films = FakeFilmPrinter(tmp_path, markers={"Film": 80})
    sheets = [a_sheet(1), a_sheet(2)]

    job = films.submit_sheets(sheets, "Films ACC-2")

    assert films.job_status(job).phase is JobPhase.COMPLETED
    reader = PdfReader(tmp_path / f"Films_ACC-2-{job}.pdf")
    assert len(reader.pages) == 2
    for page, sheet in zip(reader.pages, sheets, strict=True):
        np.testing.assert_array_equal(np.asarray(page.images[0].image), sheet.pixels)
    assert films.jobs[job].pages == 2
    assert films.status().markers == {"Film": 80}


def test_bad_sheets_are_refused_with_a_printer_error(tmp_path: Path) -> None:
    films = FakeFilmPrinter(tmp_path)
    with pytest.raises(PrinterError) as error:
        films.submit_sheets([], "nothing")
    assert error.value.code == "printer.rejected"


def test_a_jam_holds_jobs_until_cleared(reports: FakeDocumentPrinter, tmp_path: Path) -> None:
    reports.fault = FakeFault.JAM
    first = reports.submit_pdf(a_pdf(), "first")
    second = reports.submit_pdf(a_pdf(), "second")

    jammed = reports.job_status(first)
    assert jammed.phase is JobPhase.PROCESSING
    assert jammed.reasons == ("media-jam-error",)
    assert reports.job_status(second).phase is JobPhase.PENDING
    status = reports.status()
    assert status.state is PrinterState.PROCESSING
    assert status.reasons == ("media-jam-error",)
    assert list(tmp_path.iterdir()) == []

    reports.clear_fault()

    assert reports.job_status(first).phase is JobPhase.COMPLETED
    assert reports.job_status(second).phase is JobPhase.COMPLETED
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"first-{first}.pdf",
        f"second-{second}.pdf",
    ]
    assert reports.status().state is PrinterState.IDLE
    assert reports.status().reasons == ()


def test_fail_next_spares_earlier_jobs(tmp_path: Path) -> None:
    films = FakeFilmPrinter(tmp_path)
    done = films.submit_sheets([a_sheet(1)], "done")
    films.fail_next = FakeFault.MEDIA_EMPTY

    waiting = films.submit_sheets([a_sheet(2)], "waiting")

    assert films.job_status(done).phase is JobPhase.COMPLETED
    status = films.job_status(waiting)
    assert (status.phase, status.reasons) == (JobPhase.PROCESSING, ("media-empty-error",))
    assert films.fault is FakeFault.MEDIA_EMPTY and films.fail_next is None
    films.fault = FakeFault.NONE
    assert films.job_status(waiting).phase is JobPhase.COMPLETED


def test_a_stopped_queue_stops_its_jobs(reports: FakeDocumentPrinter) -> None:
    reports.fault = FakeFault.STOPPED
    job = reports.submit_pdf(a_pdf(), "r")

    assert reports.job_status(job).phase is JobPhase.STOPPED
    assert reports.status().state is PrinterState.STOPPED
    reports.clear_fault()
    assert reports.job_status(job).phase is JobPhase.COMPLETED


def test_resume_re_enables_a_stopped_queue_but_does_not_clear_a_jam(
    reports: FakeDocumentPrinter,
) -> None:
    reports.fault = FakeFault.JAM
    jammed = reports.submit_pdf(a_pdf(), "r")
    reports.resume(jammed)
    assert reports.job_status(jammed).phase is JobPhase.PROCESSING
    reports.fault = FakeFault.STOPPED
    reports.resume()
    assert reports.job_status(jammed).phase is JobPhase.COMPLETED


def test_aborted_jobs_print_nothing(reports: FakeDocumentPrinter, tmp_path: Path) -> None:
    reports.fault = FakeFault.ABORT
    job = reports.submit_pdf(a_pdf(), "r")
    assert reports.job_status(job).phase is JobPhase.ABORTED
    reports.clear_fault()
    assert reports.job_status(job).phase is JobPhase.ABORTED
    assert list(tmp_path.iterdir()) == []


def test_a_rejecting_printer_refuses_jobs(reports: FakeDocumentPrinter) -> None:
    reports.fault = FakeFault.REJECTING
    assert reports.status().accepting_jobs is False
    with pytest.raises(PrinterError) as error:
        reports.submit_pdf(a_pdf(), "r")
    assert error.value.code == "printer.rejected"


def test_an_offline_printer_is_unknown_and_unreachable(reports: FakeDocumentPrinter) -> None:
    job = reports.submit_pdf(a_pdf(), "r")
    reports.fault = FakeFault.OFFLINE

    assert reports.status().state is PrinterState.UNKNOWN
    for call in (
        lambda: reports.submit_pdf(a_pdf(), "r"),
        lambda: reports.job_status(job),
        lambda: reports.cancel(job),
    ):
        with pytest.raises(PrinterError) as error:
            call()
        assert error.value.code == "printer.unreachable"


def test_cancel(reports: FakeDocumentPrinter, tmp_path: Path) -> None:
    done = reports.submit_pdf(a_pdf(), "done")
    reports.fault = FakeFault.JAM
    waiting = reports.submit_pdf(a_pdf(), "waiting")

    reports.cancel(waiting)
    reports.cancel(waiting)  # again: nothing to do
    assert reports.job_status(waiting).phase is JobPhase.CANCELED
    reports.clear_fault()
    assert reports.job_status(waiting).phase is JobPhase.CANCELED
    assert [p.name for p in tmp_path.iterdir()] == [f"done-{done}.pdf"]

    with pytest.raises(PrinterError) as completed:
        reports.cancel(done)
    assert completed.value.code == "printer.rejected"
    with pytest.raises(PrinterError) as unknown:
        reports.cancel("999")
    assert unknown.value.code == "job.unknown"
    with pytest.raises(PrinterError) as unknown_status:
        reports.job_status("999")
    assert unknown_status.value.code == "job.unknown"
