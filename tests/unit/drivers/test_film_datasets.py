"""The DICOM print datasets, built without a network, and the in-memory DICOM film printer."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset

from drivers.base import FilmSheet, JobPhase, PrinterState, Protocol
from drivers.errors import PrinterError, PrinterFaultError
from drivers.film import datasets as ds
from drivers.film.fake import FakeDicomFilmPrinter


def test_film_session_carries_copies_priority_medium_and_destination() -> None:
    session = ds.film_session(
        ds.SessionOptions(copies=2, priority="HIGH", medium_type="CLEAR FILM", label="ACC-1")
    )
    assert (session.NumberOfCopies, session.PrintPriority) == (2, "HIGH")
    assert (session.MediumType, session.FilmDestination) == ("CLEAR FILM", "PROCESSOR")
    assert session.FilmSessionLabel == "ACC-1"
    with pytest.raises(ValueError, match="copies"):
        ds.film_session(ds.SessionOptions(copies=0))
    with pytest.raises(ValueError, match="priority"):
        ds.film_session(ds.SessionOptions(priority="URGENT"))


def test_film_box_is_one_image_box_on_the_films_size_and_orientation() -> None:
    options = ds.FilmBoxOptions(min_density=20, max_density=320, trim="YES")
    box = ds.film_box("1.2.3", "14INX17IN", False, options)
    assert box.ImageDisplayFormat == "STANDARD\\1,1"
    assert (box.FilmSizeID, box.FilmOrientation) == ("14INX17IN", "LANDSCAPE")
    assert (box.MagnificationType, box.Trim) == ("NONE", "YES")
    assert (box.MinDensity, box.MaxDensity) == (20, 320)
    ref = box.ReferencedFilmSessionSequence[0]
    assert (ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID) == (
        ds.BASIC_FILM_SESSION,
        "1.2.3",
    )
    assert "MinDensity" not in ds.film_box("1.2.3", "8INX10IN", True, ds.FilmBoxOptions())


@pytest.mark.parametrize(
    ("pixels", "bits", "allocated"),
    [
        (np.arange(12, dtype=np.uint8).reshape(3, 4), 8, 8),
        (np.array([[0, 4095], [17, 2048]], dtype=np.uint16), 12, 16),
    ],
)
def test_image_box_holds_the_pixels_exactly(pixels: np.ndarray, bits: int, allocated: int) -> None:
    box = ds.image_box(pixels)
    image = box.BasicGrayscaleImageSequence[0]
    assert (box.ImageBoxPosition, image.PhotometricInterpretation) == (1, "MONOCHROME2")
    assert (image.Rows, image.Columns) == pixels.shape
    assert (image.BitsStored, image.BitsAllocated, image.HighBit) == (bits, allocated, bits - 1)
    back = np.frombuffer(image.PixelData, dtype=np.dtype(f"<u{allocated // 8}"))
    np.testing.assert_array_equal(back.reshape(pixels.shape), pixels)


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((2, 2, 3), np.uint8),
        np.zeros((0, 5), np.uint8),
        np.full((2, 2), 5000, np.uint16),
        np.zeros((2, 2), np.float32),
    ],
)
def test_image_box_refuses_what_a_grayscale_printer_cannot_take(pixels: np.ndarray) -> None:
    with pytest.raises(ValueError):
        ds.image_box(pixels)


def test_printer_answers_become_reports() -> None:
    attrs = Dataset()
    attrs.PrinterStatus, attrs.PrinterStatusInfo = "FAILURE", "FILM JAM "
    assert ds.printer_report(attrs) == ds.PrinterReport("FAILURE", "FILM JAM")
    assert ds.printer_report(attrs).terms == ("FILM JAM",)
    assert ds.printer_report(None).status == "UNKNOWN"
    assert ds.PrinterReport("NORMAL", "NORMAL").terms == ()
    info = Dataset()
    info.PrinterStatusInfo = "SUPPLY LOW"
    assert ds.printer_event(2, info) == ds.PrinterReport("WARNING", "SUPPLY LOW")
    reply = Dataset()
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.9"
    reply.ReferencedPrintJobSequence = [item]
    assert ds.print_job_uid(reply) == "1.2.9" and ds.print_job_uid(None) == ""


def sheet(value: int) -> FilmSheet:
    return FilmSheet(np.full((20, 16), value, np.uint8), "14INX17IN", 1)


def test_fake_dicom_printer_jams_and_resumes_after_clearing() -> None:
    printer = FakeDicomFilmPrinter()
    printer.jam_after = 1
    first = printer.submit_sheets([sheet(1)], "a")
    assert printer.job_status(first).phase is JobPhase.COMPLETED
    with pytest.raises(PrinterFaultError) as jam:
        printer.submit_sheets([sheet(2)], "b")
    assert (jam.value.reasons, jam.value.protocol) == (("FILM JAM",), Protocol.DICOM)
    status = printer.status()
    assert status.state is PrinterState.STOPPED and status.reasons == ("FILM JAM",)
    printer.clear()
    printer.submit_sheets([sheet(2)], "b")
    assert [
        int(f.image_box.BasicGrayscaleImageSequence[0].PixelData[0]) for f in printer.films
    ] == [
        1,
        2,
    ]
    with pytest.raises(PrinterError) as unknown:
        printer.job_status("fb:1.2.3")
    assert unknown.value.code == "job.unknown"
