"""The radiologist's choices in the running kiosk: the catalogue hands key object selections to
the film plan, chooses the report by SOP class (never a key object), prefers the final report
of several, and fetches only the images the plan prints."""

from __future__ import annotations

import copy
import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from pydicom import Dataset
from pypdf import PdfReader

from kiosk_app.core.errors import BadStudyDataError
from kiosk_app.core.models import (
    Credential,
    CredentialKind,
    Exam,
    InstanceRef,
    ItemKind,
    ItemState,
)
from kiosk_app.services import film
from kiosk_app.services.catalog import ENCAPSULATED_PDF, KEY_OBJECT_SELECTION, Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository
from tests.helpers.dicom_builders import (
    FOR_PRINTING,
    FOR_TEACHING,
    OF_INTEREST,
    REJECTED_FOR_QUALITY,
    make_key_objects,
)
from tests.helpers.sr_builders import make_sr
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance

STUDY = "1.2.826.0.1.3680043.8.498.11"
CONFIG = film.FilmConfig(
    size="8INX10IN",
    dpi=60,
    annotations=None,
    rules=film.PlanRules(layouts=film.plan.parse_plans("CT=2x2"), max_sheets=4),
)


class CountingSource(MemorySource):
    """A memory source with headers (as the cloud's metadata) that counts what it fetches."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        super().__init__(datasets)
        self.fetched: list[str] = []

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        self.fetched.append(ref.sop_uid)
        return super().fetch_instance(ref)

    def image_headers(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        headers = []
        for ref in refs:
            ds = copy.deepcopy(super().fetch_instance(ref))
            ds.PixelData = b""  # present without its value, as DICOM JSON's BulkDataURI
            headers.append(ds)
        return headers


def numbered_ct(n: int) -> list[Dataset]:
    """``n`` CT slices each with a bright bar at a column of its own, so a cell says which."""
    images = ct_images("P1", "ACC1", STUDY, n=n)
    for index, ds in enumerate(images):
        pixels = np.full((ds.Rows, ds.Columns), -500, dtype=np.int16)
        pixels[:, 4 + 6 * (index % 20) : 8 + 6 * (index % 20)] = 1000
        ds.PixelData = (pixels + 1024).astype(np.int16).tobytes()  # intercept -1024
        ds.WindowCenter, ds.WindowWidth = 0, 2000
    return images


def sr_report(final: bool, time: str = "093000", day: str = "20261120") -> Dataset:
    ds = make_sr(
        patient_id="P1", patient_name="TEST^PATIENT", accession="ACC1", study_uid=STUDY,
        findings="No acute abnormality.", impression="Normal.", final=final, study_date=day,
    )  # fmt: skip
    ds.ContentTime = time
    return ds


def visit_over(store: Store, source: MemorySource) -> VisitService:
    catalog = Catalog(source)  # type: ignore[arg-type]
    return VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=True),
        printing=PrintingService(store, ScriptedPrinter("Paper"), ScriptedPrinter("Film")),
        content=ItemContent(catalog, FilmOptions(config=CONFIG)),
        job_timeout=5,
    )


def exam_of(visit: VisitService, credential: Credential | None = None) -> Exam:
    credential = credential or Credential(CredentialKind.ACCESSION, "ACC1")
    (exam,) = visit.catalog.exams_for(credential)
    return exam


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


@pytest.mark.parametrize("kos_first", [True, False], ids=["kos-before-sr", "kos-after-sr"])
def test_a_key_object_selection_never_hides_the_report(store: Store, kos_first: bool) -> None:
    images = numbered_ct(6)
    kos, report = make_key_objects([images[4], images[1]]), sr_report(final=True)
    objects = [kos, report] if kos_first else [report, kos]
    visit = visit_over(store, CountingSource([*objects, *images]))
    exam = exam_of(visit)
    assert exam.report is not None and exam.report.final
    assert exam.report.instance.sop_uid == report.SOPInstanceUID
    assert [ref.sop_uid for ref in exam.key_objects] == [kos.SOPInstanceUID]
    assert kos.SOPInstanceUID not in {ref.sop_uid for ref in exam.images}
    planned = {p.kind: p for p in visit.plan([exam], count=True)}
    assert planned[ItemKind.REPORT].decision.printable
    text = PdfReader(io.BytesIO(visit.content.report(exam))).pages[0].extract_text()
    assert "No acute abnormality." in text


def test_of_several_report_objects_the_final_one_is_chosen(store: Store) -> None:
    draft_pdf = pdf_instance("P1", "ACC1", STUDY, final=False)
    final_sr = sr_report(final=True)
    visit = visit_over(store, CountingSource([draft_pdf, final_sr, *numbered_ct(2)]))
    report = exam_of(visit).report
    assert report is not None and report.final
    assert report.instance.sop_uid == final_sr.SOPInstanceUID


def test_of_several_final_reports_the_newest_is_chosen(store: Store) -> None:
    first = sr_report(final=True, time="093000")
    amended = sr_report(final=True, time="151500")
    older_pdf = pdf_instance("P1", "ACC1", STUDY, final=True)
    older_pdf.ContentDate, older_pdf.ContentTime = "20261119", "120000"
    visit = visit_over(store, CountingSource([amended, older_pdf, first, *numbered_ct(2)]))
    report = exam_of(visit).report
    assert report is not None and report.instance.sop_uid == amended.SOPInstanceUID


def test_a_final_pdf_is_preferred_to_the_same_reports_sr() -> None:
    sr = sr_report(final=True, time="093000")
    pdf = pdf_instance("P1", "ACC1", STUDY, final=True)
    pdf.ContentDate, pdf.ContentTime = sr.ContentDate, sr.ContentTime
    catalog = Catalog(CountingSource([sr, pdf, *numbered_ct(2)]))  # type: ignore[arg-type]
    (exam,) = catalog.exams_for(Credential(CredentialKind.ACCESSION, "ACC1"))
    assert exam.report is not None and exam.report.instance.sop_class_uid == ENCAPSULATED_PDF


def bars(sheet: np.ndarray, count: int) -> list[int]:
    """The slice (0-based, from its bar's column) shown in each of the first ``count`` cells
    of a 2x2 sheet."""
    boxes = film.cell_boxes("8INX10IN", 60, film.DisplayFormat.standard(2, 2), 5.0, 2.0, False)
    found = []
    for top, left, bottom, right in boxes[:count]:
        columns = sheet[top:bottom, left:right].max(axis=0)
        image = np.flatnonzero(columns > 30)  # the grey body (black is the sheet)
        bar = np.flatnonzero(columns > 200)
        assert image.size and bar.size, "the cell shows no image with a bar"
        relative = (bar.mean() - image.min() + 0.5) / (image.max() - image.min() + 1)
        found.append(round((relative * 128 - 6) / 6))
    return found


def test_key_images_print_in_the_documents_order_and_only_they_are_fetched(store: Store) -> None:
    images = numbered_ct(12)
    chosen = [images[9], images[2], images[6]]
    kos = make_key_objects(chosen)
    source = CountingSource([sr_report(final=True), *images, kos])
    visit = visit_over(store, source)
    exam = exam_of(visit)
    film_item = next(p for p in visit.plan([exam], count=True) if p.kind is ItemKind.FILM)
    assert film_item.count == 1
    source.fetched.clear()
    sheets = visit.content.sheets(exam)
    assert len(sheets) == 1 == film_item.count
    # only the key images' pixels were fetched (the KOS itself was read when counting)
    assert source.fetched == [ds.SOPInstanceUID for ds in chosen]
    assert bars(sheets[0].pixels, 3) == [9, 2, 6]
    expected = film.compose_sheets((), "8INX10IN", 60, (2, 2), frames=[(d, 0) for d in chosen])
    np.testing.assert_array_equal(sheets[0].pixels, expected[0].pixels)


def test_the_default_plan_fetches_only_the_slices_it_prints_in_print_order(store: Store) -> None:
    images = numbered_ct(40)
    source = CountingSource([sr_report(final=True), *images])
    visit = visit_over(store, source)
    exam = exam_of(visit)
    source.fetched.clear()
    sheets = visit.content.sheets(exam)
    assert len(sheets) == 1
    picks = [images[i] for i in (0, 13, 26, 39)]  # 4 evenly spaced slices of 40
    assert source.fetched == [ds.SOPInstanceUID for ds in picks]


def test_a_rejection_note_removes_images_from_every_plan(store: Store) -> None:
    images = numbered_ct(4)
    rejected = make_key_objects([images[1]], title=REJECTED_FOR_QUALITY)
    visit = visit_over(store, CountingSource([sr_report(final=True), *images, rejected]))
    sheets = visit.content.sheets(exam_of(visit))
    assert bars(sheets[0].pixels, 3) == [0, 2, 3]  # a 2x2 sheet of the three kept slices


def test_for_printing_is_preferred_and_teaching_files_are_not_film(store: Store) -> None:
    images = numbered_ct(8)
    teaching = make_key_objects([images[7]], title=FOR_TEACHING)
    interest = make_key_objects([images[5], images[6]], title=OF_INTEREST)
    printing = make_key_objects([images[3], images[0], images[4]], title=FOR_PRINTING)
    visit = visit_over(store, CountingSource([*images, teaching, interest, printing]))
    sheets = visit.content.sheets(exam_of(visit))
    assert bars(sheets[0].pixels, 3) == [3, 0, 4]
    only_teaching = visit_over(store, CountingSource([*images, teaching]))
    plan = only_teaching.content.film_plan(exam_of(only_teaching))
    assert plan is not None and plan.source is film.PlanSource.DEFAULT


def test_a_key_object_of_another_patient_is_refused(store: Store) -> None:
    images = numbered_ct(3)
    kos = make_key_objects([images[0]])
    kos.PatientID = "SOMEONE-ELSE"
    visit = visit_over(store, CountingSource([*images, kos]))
    exam = exam_of(visit, Credential(CredentialKind.PATIENT_ID, "P1"))
    with pytest.raises(BadStudyDataError, match="another patient"):
        visit.content.sheets(exam)


def test_key_objects_are_classified_precisely() -> None:
    kos = make_key_objects(numbered_ct(1))
    assert kos.SOPClassUID == KEY_OBJECT_SELECTION
    source = CountingSource([kos, *numbered_ct(1)])
    source.datasets[1].StudyInstanceUID = STUDY
    (exam,) = Catalog(source).exams_for(  # type: ignore[arg-type]
        Credential(CredentialKind.ACCESSION, "ACC1")
    )
    assert exam.report is None and len(exam.key_objects) == 1 and len(exam.images) == 1


def test_several_sheets_are_fetched_a_sheet_at_a_time_and_equal_one_composition(
    store: Store,
) -> None:
    images = numbered_ct(40)
    source = CountingSource([sr_report(final=True), *images])
    rules = film.PlanRules(layouts=film.plan.parse_plans("CT=2x2"), slice_sheets=3)
    visit = visit_over(store, source)
    visit.content.film_options = FilmOptions(config=dataclasses.replace(CONFIG, rules=rules))
    exam = exam_of(visit)
    source.fetched.clear()
    sheets = visit.content.sheets(exam)
    plan = film.plan_exam(images, rules)
    assert len(sheets) == 3 == plan.sheets
    assert source.fetched == plan.instance_uids()  # print order: sheet 1's slices first
    whole = film.compose_plan(plan, visit.content.film_config)
    for got, expected in zip(sheets, whole, strict=True):
        np.testing.assert_array_equal(got.pixels, expected.pixels)


def test_a_film_prepared_while_the_patient_confirms_is_the_one_printed(store: Store) -> None:
    images = numbered_ct(40)
    source = CountingSource([sr_report(final=True), *images])
    visit = visit_over(store, source)
    visit.content.prepare_ahead = True
    exam = exam_of(visit)
    fresh = visit_over(store, CountingSource([sr_report(final=True), *images]))
    expected = fresh.content.sheets(exam_of(fresh))
    film_item = next(p for p in visit.plan([exam], count=True) if p.kind is ItemKind.FILM)
    assert film_item.count == 1  # counting started the composition in the background
    with visit.content._prepared_lock:
        (prepared,) = visit.content._prepared.values()
    prepared.result(timeout=30).all()  # composed in the background, every sheet
    fetched = list(source.fetched)
    sheets = visit.content.sheets(exam)
    assert source.fetched == fetched  # nothing fetched again: the prepared film was handed over
    np.testing.assert_array_equal(sheets[0].pixels, expected[0].pixels)
    # the next time it is composed afresh (a prepared film is used once)
    visit.content.sheets(exam)
    assert len(source.fetched) > len(fetched)


def test_a_film_prepared_and_not_confirmed_is_forgotten(store: Store) -> None:
    source = CountingSource([sr_report(final=True), *numbered_ct(8)])
    visit = visit_over(store, source)
    visit.content.prepare_ahead = True
    visit.plan([exam_of(visit)], count=True)
    assert len(visit.content._prepared) == 1
    visit.content.forget()
    assert not visit.content._prepared


class FailingSource(CountingSource):
    """Fetches fail for one instance (the cloud drops it), or it comes back damaged."""

    def __init__(self, datasets: Sequence[Dataset], uid: str, damaged: bool) -> None:
        super().__init__(datasets)
        self.uid, self.damaged = uid, damaged

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        ds = super().fetch_instance(ref)
        if ref.sop_uid != self.uid:
            return ds
        if not self.damaged:
            raise BadStudyDataError(detail="the cloud dropped the connection")
        ds = copy.deepcopy(ds)
        ds.PixelData = ds.PixelData[:100]  # a truncated image: no decoder makes its frame
        return ds


def three_sheet_visit(store: Store, damaged: bool) -> tuple[VisitService, list[int]]:
    """A 3-sheet CT film (2x2, 12 slices) whose last image fails; the film printer is a fake
    DICOM printer that tells which sheets it took (by their content)."""
    from drivers.film.fake import FakeDicomFilmPrinter

    images = numbered_ct(12)
    rules = film.PlanRules(layouts=film.plan.parse_plans("CT=2x2"), slice_sheets=3)
    plan = film.plan_exam(images, rules)
    last = str(plan.frames[-1][0].SOPInstanceUID)
    source = FailingSource([sr_report(final=True), *images], last, damaged)
    visit = visit_over(store, source)
    visit.content.film_options = FilmOptions(config=dataclasses.replace(CONFIG, rules=rules))
    printer = FakeDicomFilmPrinter()
    visit.printing = PrintingService(store, ScriptedPrinter("Paper"), printer)
    sent: list[int] = []
    original = printer.submit_sheets

    def counting(sheets: Sequence[object], title: str) -> str:
        sent.append(len(sheets))
        return original(sheets, title)  # type: ignore[arg-type]

    printer.submit_sheets = counting  # type: ignore[method-assign]
    return visit, sent


def test_a_film_with_an_image_that_cannot_be_fetched_prints_no_sheet(store: Store) -> None:
    """Sheet 1 could print long before the last image is fetched; it waits until every image
    of the film is in hand, so a film that cannot be finished wastes none."""
    visit, sent = three_sheet_visit(store, damaged=False)
    planned = visit.plan([exam_of(visit)], count=True)
    summary = visit.print_planned("ACC1", planned, lambda *_: None)
    film_outcome = next(i for i in summary.items if i.kind is ItemKind.FILM)
    assert film_outcome.state is not ItemState.DELIVERED
    assert sent == []  # not one sheet reached the printer


def test_a_film_whose_last_image_is_damaged_prints_two_sheets_and_waits_for_a_nurse(
    store: Store,
) -> None:
    visit, sent = three_sheet_visit(store, damaged=True)
    planned = visit.plan([exam_of(visit)], count=True)
    summary = visit.print_planned("ACC1", planned, lambda *_: None)
    film_outcome = next(i for i in summary.items if i.kind is ItemKind.FILM)
    assert film_outcome.state is not ItemState.DELIVERED
    assert sent == [1, 1]  # sheets 1 and 2, each once; sheet 3 could not be made
    with store.session() as s:
        (job,) = JobRepository(s).open_jobs()
        assert job.attention.startswith("sheet 3 could not be made")
        assert [u.state for u in job.units] == ["confirmed", "confirmed", "pending"]
