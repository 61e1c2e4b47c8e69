"""Strict and old DICOM print SCPs: transfer syntaxes, Presentation LUT, silence, identity.

Against dcmtk's dcmprscp twice: the lenient one (``PRINT_SCP_*``, accepts both little endian
transfer syntaxes) and one started with ``ImplicitOnly = true`` (``PRINT_SCP_IMPLICIT_*``);
what they stored (``HG_*.dcm`` pixels, ``SP_*.dcm`` Stored Print attributes) must be what the
kiosk sent. The faults dcmprscp cannot have come from :class:`FaultyPrintScp`: the old printer
that accepts Explicit VR but never answers a request encoded in it, a printer that accepts one
syntax only, and the bytes on the wire themselves.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from drivers.base import FilmSheet, PrinterState
from drivers.errors import PrinterError
from drivers.film import datasets as ds
from drivers.film.dicom_print import DicomFilmPrinter
from drivers.printer.fake import FakeDocumentPrinter
from kiosk_app.core.models import Exam, JobState
from kiosk_app.services import selftest
from kiosk_app.services.printing import PrintingService
from kiosk_app.store import Store
from tests.helpers.print_scp import FaultyPrintScp
from tests.helpers.services import PrintScpOutput
from tests.helpers.silent import silent_port as _silent_port

pytestmark = pytest.mark.integration

EXAM = Exam("1.2.826.0.1.3680043.10.6.3", "ACC-DCM-3", "P-DCM", "TEST", None, ("CT",), "CT")
FILM_SESSION_TAG = b"\x00\x20\x10\x00"  # (2000,0010) Number of Copies, little endian


def sheets(n: int, seed: int, shape: tuple[int, int] = (170, 140)) -> list[FilmSheet]:
    rng = np.random.default_rng(seed)
    return [
        FilmSheet(rng.integers(0, 256, size=shape, dtype=np.uint8), "14INX17IN", 10)
        for _ in range(n)
    ]


def encoding(data: bytes) -> str:
    """Which VR encoding a data set's first element is in, read from the bytes themselves:
    Explicit VR puts two letters (the VR) after the tag, Implicit VR a 4-byte length."""
    vr = data[4:6]
    if vr.isalpha() and vr.isupper():
        return "explicit"
    (length,) = struct.unpack("<I", data[4:8])
    assert length < len(data), f"neither encoding: {data[:8]!r}"
    return "implicit"


@pytest.fixture
def implicit_scp(services_env: dict[str, str]) -> PrintScpOutput:
    """dcmtk's print SCP started with ImplicitOnly = true by scripts/services.sh."""
    if "PRINT_SCP_IMPLICIT_PORT" not in services_env:
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("the Implicit-only print SCP is not running: services.sh status")
        pytest.skip("the Implicit-only print SCP is not running")
    database = Path(services_env["PRINT_SCP_IMPLICIT_DB"])
    return PrintScpOutput(
        ae_title=services_env["PRINT_SCP_IMPLICIT_AET"],
        host=services_env.get("PRINT_SCP_IMPLICIT_HOST", "127.0.0.1"),
        port=int(services_env["PRINT_SCP_IMPLICIT_PORT"]),
        database=database,
        before=frozenset(p.name for p in database.glob("HG_*.dcm")),
    )


def stored_print_names(scp: PrintScpOutput) -> set[str]:
    return {p.name for p in scp.database.glob("SP_*.dcm")}


def stored_prints(scp: PrintScpOutput, before: set[str]) -> list[pydicom.Dataset]:
    """The Stored Print objects (one per film box) not in ``before``, oldest first."""
    paths = [p for p in scp.database.glob("SP_*.dcm") if p.name not in before]
    return [pydicom.dcmread(p) for p in sorted(paths, key=lambda p: (p.stat().st_mtime_ns, p.name))]


def print_and_read_back(
    scp: PrintScpOutput, film: DicomFilmPrinter, sent: list[FilmSheet]
) -> list[pydicom.Dataset]:
    """Print ``sent`` in one session; the stored images must be its pixels. The Stored Prints."""
    before = stored_print_names(scp)
    job = film.submit_sheets(sent, "film-ACC-DCM-3-1")
    assert film.job_status(job).phase.value == "completed"
    stored = [pydicom.dcmread(p) for p in scp.images()]
    assert len(stored) == len(sent)
    for image, sheet in zip(stored, sent, strict=True):
        np.testing.assert_array_equal(image.pixel_array, sheet.pixels)
    return stored_prints(scp, before)


# ------------------------------------------------------------------ dcmtk, lenient and strict


@pytest.mark.parametrize("syntaxes", [("implicit", "explicit"), ("explicit",), ("implicit",)])
def test_dcmprscp_stores_every_film_pixel_for_pixel_in_either_syntax(
    print_scp: PrintScpOutput, syntaxes: tuple[str, ...]
) -> None:
    film = DicomFilmPrinter(
        print_scp.ae_title, print_scp.host, print_scp.port, transfer_syntaxes=syntaxes
    )
    prints = print_and_read_back(print_scp, film, sheets(3, seed=71))
    boxes = [sp.FilmBoxContentSequence[0] for sp in prints]
    assert [(b.FilmSizeID, b.ImageDisplayFormat, b.FilmOrientation) for b in boxes] == [
        ("14INX17IN", "STANDARD\\1,1", "PORTRAIT")
    ] * 3
    assert {(b.MagnificationType, b.BorderDensity, b.Trim) for b in boxes} == {
        ("NONE", "BLACK", "NO")
    }


def test_a_whole_session_prints_on_an_implicit_only_print_scp(
    implicit_scp: PrintScpOutput, store: Store, tmp_path: Path
) -> None:
    film = DicomFilmPrinter(
        implicit_scp.ae_title,
        implicit_scp.host,
        implicit_scp.port,
        transfer_syntaxes=("explicit", "implicit"),  # Explicit preferred: it refuses it
    )
    identity = film.identify()
    assert identity.transfer_syntax == "implicit" and identity.status.state is PrinterState.IDLE
    printing = PrintingService(store, FakeDocumentPrinter(tmp_path / "reports"), film)
    before = stored_print_names(implicit_scp)
    sent = sheets(4, seed=72)
    job = printing.submit_film(EXAM, sent).job_id
    for _ in range(20):
        if not printing.check(job).state.open:
            break
    assert printing.result(job).state is JobState.COMPLETED
    stored = [pydicom.dcmread(p).pixel_array for p in implicit_scp.images()]
    assert len(stored) == 4
    for image, sheet in zip(stored, sent, strict=True):
        np.testing.assert_array_equal(image, sheet.pixels)
    assert [
        sp.FilmBoxContentSequence[0].FilmSizeID for sp in stored_prints(implicit_scp, before)
    ] == ["14INX17IN"] * 4


def test_an_implicit_only_print_scp_pinned_to_explicit_is_one_clear_line(
    implicit_scp: PrintScpOutput,
) -> None:
    film = DicomFilmPrinter(
        implicit_scp.ae_title, implicit_scp.host, implicit_scp.port, transfer_syntaxes=["explicit"]
    )
    with pytest.raises(PrinterError) as refused:
        film.submit_sheets(sheets(1, seed=73), "film-x")
    assert refused.value.detail == (
        f"{film.where}: accepted none of the presentation contexts offered "
        "(Explicit VR Little Endian)"
    )
    assert implicit_scp.images() == []


def test_presentation_lut_and_viewing_light_reach_a_printer_that_supports_them(
    print_scp: PrintScpOutput,
) -> None:
    film = DicomFilmPrinter(
        print_scp.ae_title,
        print_scp.host,
        print_scp.port,
        presentation=ds.PresentationOptions(
            "LIN OD", illumination=2500, reflected_ambient_light=15
        ),
    )
    for sp in print_and_read_back(print_scp, film, sheets(2, seed=74)):
        box = sp.FilmBoxContentSequence[0]
        assert (box.Illumination, box.ReflectedAmbientLight) == (2500, 15)
        (lut,) = sp.PresentationLUTContentSequence
        assert lut.PresentationLUTShape == "LIN OD"
        referenced = box.ReferencedPresentationLUTSequence[0].ReferencedSOPInstanceUID
        assert referenced == lut.SOPInstanceUID


def test_without_presentation_settings_the_printer_uses_its_own(print_scp: PrintScpOutput) -> None:
    film = DicomFilmPrinter(print_scp.ae_title, print_scp.host, print_scp.port)
    (sp,) = print_and_read_back(print_scp, film, sheets(1, seed=75))
    box = sp.FilmBoxContentSequence[0]
    assert not {"Illumination", "ReflectedAmbientLight", "ReferencedPresentationLUTSequence"} & set(
        box.dir()
    )
    assert "PresentationLUTContentSequence" not in sp


def test_dcmprscp_identifies_itself_though_it_refuses_the_optional_attributes(
    print_scp: PrintScpOutput,
) -> None:
    film = DicomFilmPrinter(print_scp.ae_title, print_scp.host, print_scp.port)
    identity = film.identify()  # asking for all nine gets 0x0105; the kiosk asks again
    assert identity.attributes["PrinterStatus"] == "NORMAL"
    assert (identity.transfer_syntax, identity.presentation_lut) == ("implicit", True)
    level, detail, info = selftest.check_printer("film_printer", film).run()  # type: ignore[misc]
    assert level is selftest.Level.OK
    assert detail.startswith("C-ECHO ") and detail.endswith(
        "Implicit VR Little Endian, Presentation LUT supported"
    )
    assert info["TransferSyntax"] == "implicit" and info["PrinterStatusInfo"] == "NORMAL"


# ------------------------------------------------------------------ the bytes on the wire


@pytest.fixture
def scp() -> Iterator[FaultyPrintScp]:
    printer = FaultyPrintScp()
    yield printer.start()
    printer.stop()


@pytest.mark.parametrize(
    ("accepts", "preferred", "expected"),
    [
        ((ImplicitVRLittleEndian, ExplicitVRLittleEndian), ("implicit", "explicit"), "implicit"),
        ((ImplicitVRLittleEndian, ExplicitVRLittleEndian), ("explicit", "implicit"), "explicit"),
        ((ExplicitVRLittleEndian,), ("implicit", "explicit"), "explicit"),
        ((ImplicitVRLittleEndian,), ("explicit", "implicit"), "implicit"),
    ],
)
def test_every_print_request_goes_in_the_chosen_syntax(
    accepts: tuple[str, ...], preferred: tuple[str, ...], expected: str
) -> None:
    printer = FaultyPrintScp(transfer_syntaxes=accepts).start()
    try:
        film = DicomFilmPrinter(
            printer.ae_title, "127.0.0.1", printer.port, transfer_syntaxes=preferred
        )
        sent = sheets(2, seed=76)
        film.submit_sheets(sent, "film-wire")
    finally:
        printer.stop()
    carrying = [w for w in printer.wire if w.data]
    assert [w.name for w in carrying] == [
        "N-CREATE Basic Film Session SOP Class",
        "N-CREATE Basic Film Box SOP Class",
        "N-SET Image Box",
        "N-CREATE Basic Film Box SOP Class",
        "N-SET Image Box",
    ]
    syntax = ds.TRANSFER_SYNTAXES[expected]
    assert {w.transfer_syntax for w in printer.wire} == {syntax}
    assert {encoding(w.data) for w in carrying} == {expected}
    assert carrying[0].data.startswith(FILM_SESSION_TAG)
    for image, sheet in zip(printer.printed, sent, strict=True):
        np.testing.assert_array_equal(image, sheet.pixels)


def test_a_printer_without_presentation_lut_gets_neither_lut_nor_light(
    scp: FaultyPrintScp,
) -> None:
    light = ds.PresentationOptions("IDENTITY", illumination=2000, reflected_ambient_light=10)
    film = DicomFilmPrinter(scp.ae_title, "127.0.0.1", scp.port, presentation=light)
    film.submit_sheets(sheets(1, seed=77), "film-plain")
    (box,) = scp.film_boxes
    assert not {"Illumination", "ReflectedAmbientLight", "ReferencedPresentationLUTSequence"} & set(
        box.dir()
    )
    assert len(scp.printed) == 1


# ------------------------------------------------------------------ the old printer's bug


def old_printer() -> FaultyPrintScp:
    """Accepts Explicit VR contexts, decodes only Implicit VR: the issue's printer."""
    return FaultyPrintScp(ae_title="OLDPRINT", decodes_only=ImplicitVRLittleEndian)


def test_the_old_printer_prints_the_whole_session_with_implicit_pinned(
    store: Store, tmp_path: Path
) -> None:
    printer = old_printer().start()
    try:
        film = DicomFilmPrinter(
            printer.ae_title, "127.0.0.1", printer.port, transfer_syntaxes=["implicit"], timeout=2
        )
        printing = PrintingService(store, FakeDocumentPrinter(tmp_path / "reports"), film)
        sent = sheets(3, seed=78)
        job = printing.submit_film(EXAM, sent).job_id
        for _ in range(20):
            if not printing.check(job).state.open:
                break
        assert printing.result(job).state is JobState.COMPLETED
    finally:
        printer.stop()
    assert printer.unanswered == []
    assert len(printer.printed) == 3
    for image, sheet in zip(printer.printed, sent, strict=True):
        np.testing.assert_array_equal(image, sheet.pixels)


def test_the_old_printer_with_explicit_is_no_answer_within_the_timeout_in_one_line(
    store: Store, tmp_path: Path
) -> None:
    printer = old_printer().start()
    try:
        film = DicomFilmPrinter(
            printer.ae_title, "127.0.0.1", printer.port, transfer_syntaxes=["explicit"], timeout=2
        )
        printing = PrintingService(store, FakeDocumentPrinter(tmp_path / "reports"), film)
        result = printing.submit_film(EXAM, sheets(1, seed=79))
    finally:
        printer.stop()
    assert result.state is JobState.FAILED  # nothing was printed: a fault, not "uncertain"
    assert result.reason == (
        f"OLDPRINT@127.0.0.1:{printer.port}: no answer to N-CREATE Film Session within 2 s "
        "(sent in Explicit VR Little Endian; a printer that decodes only Implicit VR needs it "
        "pinned to implicit)"
    )
    assert "\n" not in result.reason
    assert printer.unanswered == ["N-CREATE Basic Film Session SOP Class"]
    assert printer.printed == []


def test_the_old_printer_with_the_default_syntaxes_prints() -> None:
    printer = old_printer().start()
    try:
        film = DicomFilmPrinter(printer.ae_title, "127.0.0.1", printer.port, timeout=2)
        film.submit_sheets(sheets(1, seed=80), "film-default")
    finally:
        printer.stop()
    assert len(printer.printed) == 1 and printer.unanswered == []


# ------------------------------------------------------------------ silence and identity


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung printer)."""
    with _silent_port() as port:
        yield port


def test_a_silent_printer_is_no_answer_within_the_timeout_in_selftest_and_print(
    silent_port: int, store: Store, tmp_path: Path
) -> None:
    film = DicomFilmPrinter("HUNG", "127.0.0.1", silent_port, timeout=1.5)
    said = f"HUNG@127.0.0.1:{silent_port}: no answer to the association request within 1.5 s"
    report = selftest.run([selftest.check_printer("film_printer", film)], kiosk_id="k", version="0")
    assert (report.results[0].level, report.results[0].detail) == (selftest.Level.FAIL, said)
    assert film.status().message == said
    printing = PrintingService(store, FakeDocumentPrinter(tmp_path / "reports"), film)
    result = printing.submit_film(EXAM, sheets(1, seed=81))
    assert (result.state, result.reason) == (JobState.FAILED, said)


def test_nothing_listening_is_one_line_too() -> None:
    film = DicomFilmPrinter("NOBODY", "127.0.0.1", 9, timeout=2)
    with pytest.raises(PrinterError) as failed:
        film.echo()
    assert failed.value.detail == (
        "NOBODY@127.0.0.1:9: cannot connect (nothing listens there, or no route)"
    )


def test_selftest_shows_what_the_printer_says_about_itself() -> None:
    printer = FaultyPrintScp(
        ae_title="DRYPRINT",
        status="WARNING",
        info="SUPPLY LOW",
        attributes={
            "PrinterName": "DRY-1",
            "Manufacturer": "Example Imaging",
            "ManufacturerModelName": "DryView 9",
            "DeviceSerialNumber": "SN-0042",
            "SoftwareVersions": "4.2",
            "DateOfLastCalibration": "20260301",
        },  # no TimeOfLastCalibration: asking for all nine gets 0x0105, as from dcmprscp
    ).start()
    try:
        film = DicomFilmPrinter(printer.ae_title, "127.0.0.1", printer.port)
        report = selftest.run(
            [selftest.check_printer("film_printer", film)], kiosk_id="k", version="0"
        )
    finally:
        printer.stop()
    (result,) = report.results
    assert result.level is selftest.Level.WARN
    assert result.detail.split("; ", 1)[1] == (
        "DRYPRINT: idle, SUPPLY LOW; printer name DRY-1, Example Imaging DryView 9, "
        "serial SN-0042, software 4.2, calibrated 2026-03-01, Implicit VR Little Endian, "
        "no Presentation LUT"
    )
    assert report.to_json()["checks"][0]["info"] == {
        "PrinterStatus": "WARNING",
        "PrinterStatusInfo": "SUPPLY LOW",
        "PrinterName": "DRY-1",
        "Manufacturer": "Example Imaging",
        "ManufacturerModelName": "DryView 9",
        "DeviceSerialNumber": "SN-0042",
        "SoftwareVersions": "4.2",
        "DateOfLastCalibration": "2026-03-01",
        "TransferSyntax": "implicit",
        "PresentationLUT": "not supported",
    }
