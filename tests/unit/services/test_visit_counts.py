"""Pages and film sheets known before printing: counted from the report PDF and from the film
plan over the images' headers, and equal to what printing then makes."""

from __future__ import annotations

import copy
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydicom import Dataset
from pypdf import PdfReader

from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import Credential, CredentialKind, InstanceRef, ItemKind
from kiosk_app.services import film
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import PlannedItem, VisitService
from kiosk_app.settings import DEMO_ARCHIVE
from kiosk_app.sources.cached import CachingSource
from kiosk_app.sources.dicomweb import DicomWebSource
from kiosk_app.sources.local import LocalArchiveSource
from kiosk_app.store import Store
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance, report_pdf
from tests.unit.sources.fake_http import ScriptedAdapter, response

STUDY = "1.2.826.0.1.3680043.8.498.7"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def visit_over(store: Store, source: object, config: film.FilmConfig | None = None) -> VisitService:
    printing = PrintingService(store, ScriptedPrinter("Paper"), ScriptedPrinter("Film"))
    catalog = Catalog(source)  # type: ignore[arg-type]
    return VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=True),
        printing=printing,
        content=ItemContent(catalog, FilmOptions(size="8INX10IN", dpi=20, config=config)),
        job_timeout=5,
    )


def planned_for(visit: VisitService, *accessions: str) -> list[PlannedItem]:
    exams = [
        exam
        for accession in accessions
        for exam in visit.catalog.exams_for(Credential(CredentialKind.ACCESSION, accession))
    ]
    return visit.plan(exams, count=True)


def config(plans: str = film.plan.DEFAULT_PLANS, slices: int = 1, cap: int = 4) -> film.FilmConfig:
    rules = film.PlanRules(
        layouts=film.plan.parse_plans(plans), slice_sheets=slices, max_sheets=cap
    )
    return film.FilmConfig(size="8INX10IN", dpi=20, annotations=None, rules=rules)


@pytest.mark.parametrize(
    "film_config",
    [
        None,  # the defaults: one sheet per exam in the demo
        config("CT=1x2 MR=1x2 CR=1x1", slices=3),  # several sheets
        config("CT=1x1 MR=1x1", slices=9, cap=2),  # the sheet cap
        config("CT=2x2 MR=1x2"),
    ],
)
def test_the_demo_archive_counts_what_printing_makes(
    store: Store, film_config: film.FilmConfig | None
) -> None:
    visit = visit_over(store, LocalArchiveSource(DEMO_ARCHIVE), film_config)
    planned = planned_for(visit, "DEMO0001", "DEMO0003", "DEMO0004")
    assert len(planned) == 6
    for item in planned:
        assert item.decision.printable
        if item.kind is ItemKind.FILM:
            assert item.count == len(visit.content.sheets(item.exam)) >= 1
        else:
            pdf = visit.catalog.report_pdf(item.exam)
            assert item.count == len(PdfReader(io.BytesIO(pdf)).pages) >= 1


def test_a_plan_without_counting_leaves_counts_unknown(store: Store) -> None:
    visit = visit_over(store, LocalArchiveSource(DEMO_ARCHIVE))
    exams = visit.catalog.exams_for(Credential(CredentialKind.ACCESSION, "DEMO0001"))
    assert {item.count for item in visit.plan(exams)} == {None}  # kiosk print: no extra work


def test_what_may_not_print_is_not_counted(store: Store) -> None:
    visit = visit_over(store, LocalArchiveSource(DEMO_ARCHIVE))
    counts = {p.kind: (p.decision.printable, p.count) for p in planned_for(visit, "DEMO0002")}
    # the report is not final: no rendering or counting for it; the film is counted
    assert counts == {ItemKind.REPORT: (False, None), ItemKind.FILM: (True, 1)}


def test_a_source_without_headers_counts_reports_only(store: Store) -> None:
    pdf = report_pdf("two\npages")
    source = MemorySource(
        [pdf_instance("P1", "ACC1", STUDY, pdf=pdf), *ct_images("P1", "ACC1", STUDY)]
    )
    visit = visit_over(store, source)
    counts = {p.kind: p.count for p in planned_for(visit, "ACC1")}
    assert counts == {ItemKind.REPORT: 1, ItemKind.FILM: None}


class HeaderSource(MemorySource):
    """A memory source that also gives headers, as the cloud's metadata would."""

    def __init__(self, datasets: Sequence[Dataset], strip_pixels: bool = False) -> None:
        super().__init__(datasets)
        self.strip_pixels = strip_pixels
        self.strip_matrix = False
        self.fail: Exception | None = None

    def image_headers(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        if self.fail is not None:
            raise self.fail
        headers = []
        for ref in refs:
            ds = copy.deepcopy(self.fetch_instance(ref))
            if self.strip_pixels:
                del ds.PixelData
            if self.strip_matrix:
                del ds.Rows, ds.Columns
            headers.append(ds)
        return headers


def test_headers_without_pixel_data_count_by_their_matrix_or_not_at_all(store: Store) -> None:
    images = ct_images("P1", "ACC1", STUDY, n=5)
    source = HeaderSource([pdf_instance("P1", "ACC1", STUDY), *images])
    visit = visit_over(store, source, config("CT=1x2", slices=3))
    film_item = next(p for p in planned_for(visit, "ACC1") if p.kind is ItemKind.FILM)
    assert film_item.count == 3 == len(visit.content.sheets(film_item.exam))
    # Orthanc's metadata of compressed instances leaves Pixel Data out: Rows and Columns
    # still say each is an image
    source.strip_pixels = True
    visit = visit_over(store, source, config("CT=1x2", slices=3))  # headers are kept per catalog
    film_item = next(p for p in planned_for(visit, "ACC1") if p.kind is ItemKind.FILM)
    assert film_item.count == 3 == len(visit.content.sheets(film_item.exam))
    # nothing says they are images: not counted, and printing fetches and plans them all
    source.strip_matrix = True
    visit = visit_over(store, source, config("CT=1x2", slices=3))
    film_item = next(p for p in planned_for(visit, "ACC1") if p.kind is ItemKind.FILM)
    assert film_item.count is None
    assert len(visit.content.sheets(film_item.exam)) == 3


def test_a_failing_count_never_fails_the_visit(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    source = HeaderSource([pdf_instance("P1", "ACC1", STUDY), *ct_images("P1", "ACC1", STUDY)])
    visit = visit_over(store, source)
    source.fail = CloudUnavailableError(cloud="memory://test", detail="connection refused")
    film_item = next(p for p in planned_for(visit, "ACC1") if p.kind is ItemKind.FILM)
    assert film_item.count is None
    source.fail = RuntimeError("P1 ZHANG^SAN broke the parser")
    with caplog.at_level(logging.INFO):
        film_item = next(p for p in planned_for(visit, "ACC1") if p.kind is ItemKind.FILM)
    assert film_item.count is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "ZHANG" not in caplog.text  # the exception's text (patient data) is not logged


def _metadata_of(datasets: Sequence[Dataset]) -> bytes:
    def bulk(element: object) -> str:
        return "http://cloud.test/dicom-web/bulk"

    return json.dumps(
        [
            ds.to_json_dict(bulk_data_threshold=256, bulk_data_element_handler=bulk)
            for ds in datasets
        ]
    ).encode()


def test_the_cloud_gives_headers_from_one_metadata_request(store: Store) -> None:
    images = ct_images("P1", "ACC1", STUDY, n=5)
    requests_seen: list[str] = []

    def script(request):  # type: ignore[no-untyped-def]
        requests_seen.append(request.url or "")
        return response(200, _metadata_of(images))

    source = DicomWebSource("http://cloud.test/dicom-web", retries=0)
    source.http.mount("http://cloud.test/", ScriptedAdapter(script))
    refs = [
        InstanceRef(STUDY, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID, "CT")
        for ds in reversed(images)
    ]
    headers = source.image_headers(refs)
    assert [h.SOPInstanceUID for h in headers] == [r.sop_uid for r in refs]
    assert all("PixelData" in h and not h.PixelData for h in headers)  # left on the server
    assert requests_seen == [f"http://cloud.test/dicom-web/studies/{STUDY}/metadata"]
    plan = film.plan_exam(headers, config("CT=1x2", slices=3).rules)
    assert plan.sheets == 3


def test_offline_the_cache_gives_headers_when_it_holds_every_image(tmp_path: Path) -> None:
    images = ct_images("P1", "ACC1", STUDY, n=2)
    inner = HeaderSource(images)
    inner.fail = CloudUnavailableError(cloud="memory://test", detail="connection refused")

    class Blobs:
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        def get(self, name: str) -> bytes | None:
            return self.data.get(name)

    blobs = Blobs()
    cached = CachingSource(inner, blobs)  # type: ignore[arg-type]
    refs = [
        InstanceRef(STUDY, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID, "CT")
        for ds in images
    ]
    assert cached.image_headers(refs) is None  # nothing cached: not known
    for ref in refs:
        buffer = io.BytesIO()
        inner.fetch_instance(ref).save_as(buffer, enforce_file_format=True)
        blobs.data[f"instance/{ref.sop_uid}"] = buffer.getvalue()
    headers = cached.image_headers(refs)
    assert headers is not None and [h.SOPInstanceUID for h in headers] == [r.sop_uid for r in refs]


def test_a_long_structured_report_is_rendered_once_counted_and_printed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk_app.services import catalog as catalog_module
    from tests.helpers.sr_builders import make_sr

    report = make_sr(
        patient_id="P1",
        patient_name="Wang^Fang=王^芳",
        accession="ACC1",
        study_uid=STUDY,
        findings="双肺纹理清晰，未见明确结节及实变影。" * 80,
        impression="未见明显异常。",
    )
    renders: list[int] = []
    render = catalog_module.render_sr

    def counted_render(ds: Dataset, **kwargs: str) -> bytes:
        renders.append(1)
        return render(ds, **kwargs)

    monkeypatch.setattr(catalog_module, "render_sr", counted_render)
    visit = visit_over(store, MemorySource([report, *ct_images("P1", "ACC1", STUDY)]))
    planned = planned_for(visit, "ACC1")
    item = next(p for p in planned if p.kind is ItemKind.REPORT)
    assert item.count is not None and item.count >= 2
    summary = visit.print_planned("ACC1", planned)
    printed = next(i for i in summary.items if i.kind is ItemKind.REPORT)
    assert printed.count == item.count
    assert len(renders) == 1  # rendered to count it, and the same PDF printed
