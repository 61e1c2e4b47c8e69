from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from drivers.base import PrinterState, PrinterStatus
from kiosk_app.core.errors import (
    BadStudyDataError,
    CloudUnavailableError,
    NoExamsError,
    UnknownCodeError,
)
from kiosk_app.core.models import Credential, CredentialKind, InstanceRef, ItemKind, ItemState
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.store import Store
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance, report_pdf

STUDY = "1.2.826.0.1.3680043.8.498.1"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def make_visit(
    store: Store, source: MemorySource
) -> tuple[VisitService, ScriptedPrinter, ScriptedPrinter]:
    paper, film = ScriptedPrinter("Paper"), ScriptedPrinter("Film")
    printing = PrintingService(store, paper, film, poll_interval=0.01)
    catalog = Catalog(source)
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=True),
        printing=printing,
        content=ItemContent(catalog, FilmOptions(size="8INX10IN", dpi=30)),
        job_timeout=5,
    )
    return visit, paper, film


def test_report_and_film_print_once(store: Store) -> None:
    pdf = report_pdf("IMPRESSION: normal study")
    source = MemorySource(
        [pdf_instance("P1", "ACC1", STUDY, pdf=pdf), *ct_images("P1", "ACC1", STUDY, n=3)]
    )
    visit, paper, film = make_visit(store, source)
    summary = visit.print_code("acc1")
    states = {(i.kind, i.state) for i in summary.items}
    assert states == {(ItemKind.REPORT, ItemState.DELIVERED), (ItemKind.FILM, ItemState.DELIVERED)}
    # the printer got exactly the report's PDF, and one sheet holding three images
    assert paper.sent[0][1] == pdf
    sheets = film.sent[0][1]
    assert isinstance(sheets, list) and len(sheets) == 1
    assert sheets[0].pixels.shape == (300, 240) and sheets[0].pixels.max() > 0
    report = next(i for i in summary.items if i.kind is ItemKind.REPORT)
    assert report.count == len(PdfReader(__import__("io").BytesIO(pdf)).pages) == 1
    # the second visit prints nothing and says why
    again = visit.print_code("ACC1")
    assert {i.state for i in again.items} == {ItemState.SKIPPED}
    assert all("Already printed" in i.reason for i in again.items)
    assert len(paper.sent) == 1 and len(film.sent) == 1


def test_report_not_final_is_held_back_with_the_expected_time(store: Store) -> None:
    source = MemorySource(
        [pdf_instance("P1", "ACC1", STUDY, final=False), *ct_images("P1", "ACC1", STUDY, n=1)]
    )
    visit, paper, _film = make_visit(store, source)
    summary = visit.print_code("ACC1")
    report = next(i for i in summary.items if i.kind is ItemKind.REPORT)
    assert report.state is ItemState.SKIPPED
    assert "expected at 16:30" in report.reason
    assert paper.sent == []


def test_unknown_and_unmatched_codes(store: Store) -> None:
    visit, _paper, _film = make_visit(store, MemorySource(ct_images("P1", "ACC1", STUDY)))
    with pytest.raises(UnknownCodeError):
        visit.print_code("??")
    with pytest.raises(NoExamsError):
        visit.print_code("ACC2")


def test_cloud_down_prints_nothing(store: Store) -> None:
    source = MemorySource(ct_images("P1", "ACC1", STUDY))
    source.down = True
    visit, paper, film = make_visit(store, source)
    with pytest.raises(CloudUnavailableError):
        visit.print_code("ACC1")
    assert paper.sent == [] and film.sent == []


def test_an_accession_shared_by_two_patients_is_refused(store: Store) -> None:
    images = ct_images("P1", "ACC1", STUDY) + ct_images("P2", "ACC1", STUDY + ".9")
    visit, _paper, film = make_visit(store, MemorySource(images))
    with pytest.raises(BadStudyDataError):
        visit.print_code("ACC1")
    assert film.sent == []


def test_an_image_of_another_patient_stops_the_film(store: Store) -> None:
    images = ct_images("P1", "ACC1", STUDY, n=2)
    images[1].PatientID = "P2"  # the index says P1, the file says otherwise
    source = MemorySource(images)
    source.find_studies = (
        lambda **_: [  # type: ignore[method-assign]
            MemorySource(images[:1]).find_studies(accession="ACC1")[0]
        ]
    )
    visit, _paper, film = make_visit(store, source)
    summary = visit.print_code("ACC1")
    film_item = next(i for i in summary.items if i.kind is ItemKind.FILM)
    assert film_item.state is ItemState.FAILED
    assert film.sent == []


def test_a_damaged_image_fails_the_film_but_not_the_report(store: Store) -> None:
    images = ct_images("P1", "ACC1", STUDY, n=1)
    images[0].PixelData = images[0].PixelData[:100]
    source = MemorySource([pdf_instance("P1", "ACC1", STUDY), *images])
    visit, paper, film = make_visit(store, source)
    summary = visit.print_code("ACC1")
    by_kind = {i.kind: i for i in summary.items}
    assert by_kind[ItemKind.REPORT].state is ItemState.DELIVERED
    assert by_kind[ItemKind.FILM].state is ItemState.FAILED
    assert by_kind[ItemKind.FILM].reason
    assert film.sent == [] and len(paper.sent) == 1


def test_film_sheet_holds_the_images_pixels(store: Store) -> None:
    source = MemorySource(ct_images("P1", "ACC1", STUDY, n=1))
    visit, _paper, film = make_visit(store, source)
    visit.print_code("ACC1")
    sheet = film.sent[0][1][0].pixels  # type: ignore[index]
    assert sheet.dtype == np.uint8
    assert (sheet > 0).sum() > 0.3 * sheet.size  # the CT fills a good part of a 1-up sheet


def test_expected_time_shows_the_date_when_it_is_not_today() -> None:
    from datetime import date

    from pydicom import Dataset

    from kiosk_app.services.catalog import expected_time

    ds = Dataset()
    assert expected_time(ds) == ""
    ds.ExpectedCompletionDateTime = "20240521160000"
    assert expected_time(ds, today=date(2024, 5, 21)) == "16:00"
    assert expected_time(ds, today=date(2024, 5, 22)) == "2024-05-21 16:00"


def test_offline_the_cached_exam_prints_and_the_other_says_why(store: Store) -> None:
    other = STUDY + ".2"
    source = MemorySource(
        [
            pdf_instance("P1", "ACC1", STUDY),
            *ct_images("P1", "ACC1", STUDY, n=1),
            pdf_instance("P1", "ACC2", other),
            *ct_images("P1", "ACC2", other, n=1),
        ]
    )
    listing = source.list_instances

    def list_instances(study_uid: str) -> list[InstanceRef]:
        if study_uid == other:  # the cloud is down and this exam was never cached
            raise CloudUnavailableError(
                "cloud.offline_not_cached", cloud="memory://test", detail="connection refused"
            )
        return listing(study_uid)

    source.list_instances = list_instances  # type: ignore[method-assign]
    visit, paper, film = make_visit(store, source)
    exams = visit.catalog.exams_for(Credential(CredentialKind.NATIONAL_ID, "P1"))
    assert sorted(e.unavailable for e in exams) == ["", "cloud.offline_not_cached"]
    summary = visit.print_planned("P1", visit.plan(exams))
    by_item = {(i.study_uid, i.kind): i for i in summary.items}
    assert by_item[(STUDY, ItemKind.REPORT)].state is ItemState.DELIVERED
    assert by_item[(STUDY, ItemKind.FILM)].state is ItemState.DELIVERED
    for kind in (ItemKind.REPORT, ItemKind.FILM):
        item = by_item[(other, kind)]
        assert item.state is ItemState.SKIPPED
        assert "offline cache" in item.reason
        assert item.message_id == "cloud.offline_not_cached"
    assert len(paper.sent) == 1 and len(film.sent) == 1


def test_offline_with_nothing_cached_the_visit_fails_clearly(store: Store) -> None:
    source = MemorySource([pdf_instance("P1", "ACC1", STUDY)])

    def down(_study_uid: str) -> list[InstanceRef]:
        raise CloudUnavailableError("cloud.offline_not_cached", cloud="x", detail="refused")

    source.list_instances = down  # type: ignore[method-assign]
    visit, paper, _film = make_visit(store, source)
    with pytest.raises(CloudUnavailableError) as info:
        visit.print_code("ACC1")
    assert info.value.message_id == "cloud.offline_not_cached"
    assert paper.sent == []


class _Stopped(ScriptedPrinter):
    """A printer that says it is out of media (or, with ``offline``, cannot be asked)."""

    def __init__(self, name: str, *, offline: bool = False) -> None:
        super().__init__(name)
        self.offline = offline

    def status(self) -> PrinterStatus:
        if self.offline:
            return PrinterStatus(self.name, PrinterState.UNKNOWN, message="connection refused")
        return PrinterStatus(
            self.name, PrinterState.IDLE, ("media-empty-error",), accepting_jobs=True
        )


@pytest.mark.parametrize("offline", [False, True], ids=["out-of-film", "offline"])
def test_an_item_whose_printer_cannot_print_now_is_not_offered(store: Store, offline: bool) -> None:
    source = MemorySource([pdf_instance("P1", "ACC1", STUDY), *ct_images("P1", "ACC1", STUDY, n=2)])
    visit, paper, _film = make_visit(store, source)
    film = _Stopped("Film", offline=offline)
    visit.printing.film_printer = film
    _credential, exams = visit.find("ACC1")
    planned = {p.kind: p.decision for p in visit.plan(exams)}
    assert planned[ItemKind.REPORT].printable
    assert not planned[ItemKind.FILM].printable
    expected = "item.printer_offline" if offline else "item.printer_out_of_film"
    assert planned[ItemKind.FILM].message_id == expected
    summary = visit.print_code("ACC1")  # kiosk print: the report prints, the film waits
    states = {i.kind: i.state for i in summary.items}
    assert states == {ItemKind.REPORT: ItemState.DELIVERED, ItemKind.FILM: ItemState.SKIPPED}
    assert film.sent == [] and len(paper.sent) == 1


class _Frozen(ScriptedPrinter):
    """A printer that took the connection and never answers its status (until released)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.release = threading.Event()

    def status(self) -> PrinterStatus:
        self.release.wait(30)
        return super().status()


def test_a_printer_that_does_not_answer_its_status_holds_the_exam_list_seconds_only(
    store: Store,
) -> None:
    """A frozen DICOM printer would hold the list for its whole association timeout (two
    minutes on some sites); the list waits STATUS_WAIT and offers its item (it is reachable;
    printing has its own timeouts and holds the job for a nurse)."""
    source = MemorySource([pdf_instance("P1", "ACC1", STUDY), *ct_images("P1", "ACC1", STUDY, n=2)])
    visit, _paper, _film = make_visit(store, source)
    frozen = _Frozen("Film")
    visit.printing.film_printer = frozen
    visit.STATUS_WAIT = 0.3
    _credential, exams = visit.find("ACC1")
    started = time.monotonic()
    try:
        planned = {p.kind: p.decision for p in visit.plan(exams)}
        waited = time.monotonic() - started
    finally:
        frozen.release.set()
    assert waited < 5  # not the printer's 30 s
    assert planned[ItemKind.FILM].printable and planned[ItemKind.REPORT].printable
