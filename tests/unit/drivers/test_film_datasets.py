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


def test_the_session_label_keeps_to_the_default_repertoire() -> None:
    label = ds.film_session(ds.SessionOptions(label="film-ACC 胶片\\2\n" + "x" * 80))
    assert label.FilmSessionLabel == "film-ACC ???2?" + "x" * 50
    assert "FilmSessionLabel" not in ds.film_session(ds.SessionOptions(label=" "))


def test_presentation_lut_and_light_go_only_to_a_printer_that_takes_them() -> None:
    light = ds.PresentationOptions("LIN OD", illumination=2000, reflected_ambient_light=10)
    taken = ds.film_box("1.2.3", "14INX17IN", True, ds.FilmBoxOptions(), light, "1.2.9")
    assert (taken.Illumination, taken.ReflectedAmbientLight) == (2000, 10)
    ref = taken.ReferencedPresentationLUTSequence[0]
    assert (ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID) == (
        ds.PRESENTATION_LUT,
        "1.2.9",
    )
    refused = ds.film_box("1.2.3", "14INX17IN", True, ds.FilmBoxOptions(), None, "")
    assert not {"Illumination", "ReflectedAmbientLight", "ReferencedPresentationLUTSequence"} & set(
        refused.dir()
    )
    assert ds.presentation_lut("IDENTITY").PresentationLUTShape == "IDENTITY"
    assert not ds.PresentationOptions().wanted and ds.PresentationOptions(illumination=1).wanted
    with pytest.raises(ValueError, match="Shape"):
        ds.PresentationOptions("GAMMA")
    with pytest.raises(ValueError, match="illumination"):
        ds.PresentationOptions(illumination=70000)


def test_printer_attributes_read_as_text_in_the_standards_order() -> None:
    attrs = Dataset()
    attrs.SoftwareVersions = ["2.1", "boot 7"]
    attrs.DateOfLastCalibration = "20240501"
    attrs.TimeOfLastCalibration = "103000.5"
    attrs.PrinterName = "DRY-1"
    attrs.Manufacturer = ""
    attrs.PrinterStatus, attrs.PrinterStatusInfo = "NORMAL", "NORMAL"
    assert ds.printer_attributes(attrs) == {
        "PrinterStatus": "NORMAL",
        "PrinterStatusInfo": "NORMAL",
        "PrinterName": "DRY-1",
        "SoftwareVersions": "2.1 / boot 7",
        "DateOfLastCalibration": "2024-05-01",
        "TimeOfLastCalibration": "10:30:00",
    }
    assert ds.printer_attributes(None) == {}
