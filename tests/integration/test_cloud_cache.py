"""The offline cache with the real Orthanc: prefetch, then the cloud goes away (a proxy between
kiosk and Orthanc is closed) and the catalog still lists, renders and fetches; a damaged cache
file is fetched again; a full cache evicts; nothing readable about the patient is on disk."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pypdf import PdfReader

from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import Credential, CredentialKind
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.prefetch import Prefetcher
from kiosk_app.sources.cached import CachingSource
from kiosk_app.sources.dicomweb import DicomWebSource
from kiosk_app.store import Store
from offline_cache.blobs import BlobStore
from offline_cache.keyfile import load_or_create_key
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.helpers.sr_builders import COMPREHENSIVE_SR, make_sr
from tests.helpers.tcp_proxy import FaultProxy
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.integration

NAME, PID = "Zhou^Kiosk=周^凯", "CACHE001"
FINDINGS = "右肺上叶见一小结节，边界清楚。"
TODAY = date.today().strftime("%Y%m%d")


@pytest.fixture
def exams(orthanc):  # type: ignore[no-untyped-def]
    """A CT exam with a Comprehensive SR (final) and one with an Encapsulated PDF, both today."""
    out = {}
    ct = get_testdata_file("CT_small.dcm", download=False)
    for acc in ("CACHEACC1", "CACHEACC2"):
        uid = pydicom.uid.generate_uid()
        common = dict(patient_id=PID, patient_name=NAME, accession=acc, study_uid=uid)
        images = image_series(ct, n=3, **common)
        for ds in images:
            ds.StudyDate = TODAY
            orthanc.upload(ds)
        if acc == "CACHEACC1":
            report = make_sr(
                **common,
                findings=FINDINGS,
                impression="考虑良性。",
                sop_class_uid=COMPREHENSIVE_SR,
                study_date=TODAY,
            )
        else:
            report = make_encapsulated_pdf(
                report_pdf("SECRETPDFTEXT findings"), **common, study_date=TODAY
            )
        orthanc.upload(report)
        out[acc] = (uid, images)
    return out


@pytest.fixture
def kiosk_parts(orthanc, tmp_path: Path):  # type: ignore[no-untyped-def]
    port = int(orthanc.url.rsplit(":", 1)[1])
    proxy = FaultProxy(port)
    user, password = orthanc.auth
    cloud = DicomWebSource(
        proxy.url + "/dicom-web",
        username=user,
        password=password,
        backoff=0.01,
        connect_timeout=1,
        read_timeout=2,
    )
    store = Store.open(tmp_path / "kiosk.db")
    blobs = BlobStore(
        tmp_path / "cache",
        store.engine,
        load_or_create_key(tmp_path / "cache.key"),
        max_bytes=50 << 20,
        retention=timedelta(days=7),
    )
    cached = CachingSource(cloud, blobs)
    yield proxy, cloud, cached, blobs, tmp_path
    proxy.close()
    store.close()


def test_prefetched_exams_are_listed_rendered_and_fetched_with_the_cloud_gone(  # type: ignore[no-untyped-def]
    exams, kiosk_parts
) -> None:
    proxy, cloud, cached, _blobs, tmp_path = kiosk_parts
    report = Prefetcher(cloud, cached, window_days=1).run_once()
    assert report.studies_cached == 2 and not report.errors
    proxy.close()  # the cloud is gone
    with pytest.raises(CloudUnavailableError):
        cloud.ping()
    catalog = Catalog(cached, hospital_name="示例人民医院")
    found = catalog.exams_for(Credential(CredentialKind.ACCESSION, "CACHEACC1"))
    assert [e.study_uid for e in found] == [exams["CACHEACC1"][0]]
    exam = found[0]
    assert exam.report is not None and exam.report.final
    text = PdfReader(io.BytesIO(catalog.report_pdf(exam))).pages[0].extract_text()
    assert FINDINGS in text.replace("\n", "").replace(" ", "")
    datasets = catalog.image_datasets(exam)
    assert [d.PixelData for d in datasets] == [d.PixelData for d in exams["CACHEACC1"][1]]
    by_id = catalog.exams_for(Credential(CredentialKind.NATIONAL_ID, PID))
    assert {e.accession_number for e in by_id} == {"CACHEACC1", "CACHEACC2"}

    # Nothing on disk says who the patient is or what the report says.
    raw = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert raw
    for needle in ("周凯", "Zhou", PID, "CACHEACC1", "SECRETPDFTEXT", "%PDF", "右肺"):
        for encoding in ("utf-8", "utf-16-le", "gb18030"):
            assert needle.encode(encoding) not in raw, needle


def test_not_prefetched_and_cloud_gone_says_so(exams, kiosk_parts) -> None:  # type: ignore[no-untyped-def]
    proxy, _cloud, cached, _blobs, _ = kiosk_parts
    proxy.close()
    catalog = Catalog(cached)
    with pytest.raises(CloudUnavailableError) as info:
        catalog.exams_for(Credential(CredentialKind.ACCESSION, "CACHEACC2"))
    assert info.value.message_id == "cloud.offline_not_cached"


def test_a_corrupted_cache_file_is_fetched_again(exams, kiosk_parts) -> None:  # type: ignore[no-untyped-def]
    _proxy, cloud, cached, _blobs, tmp_path = kiosk_parts
    fetched: list[str] = []
    plain = cloud.fetch_instance_bytes

    def counting(ref):  # type: ignore[no-untyped-def]
        fetched.append(ref.sop_uid)
        return plain(ref)

    cloud.fetch_instance_bytes = counting  # type: ignore[method-assign]
    uid, images = exams["CACHEACC2"]
    refs = cached.list_instances(uid)
    image_refs = [r for r in refs if r.modality == "CT"]
    cached.fetch_instances(image_refs)
    assert len(fetched) == 3
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            data = bytearray(path.read_bytes())
            data[-20] ^= 0xFF
            path.write_bytes(bytes(data))
    again = cached.fetch_instances(image_refs)
    assert sorted(d.SOPInstanceUID for d in again) == sorted(d.SOPInstanceUID for d in images)
    assert len(fetched) == 6  # each damaged blob was dropped and fetched from Orthanc again
    assert all(cached.has_instance(r) for r in image_refs)


def test_a_full_cache_evicts_and_prefetch_stops(exams, kiosk_parts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _proxy, cloud, cached, blobs, _ = kiosk_parts
    blobs.max_bytes = 60_000  # CT_small is ~39 KB: a study does not fit
    report = Prefetcher(cloud, cached, window_days=1, chunk=1).run_once()
    assert report.stopped_full
    assert blobs.usage().bytes <= 60_000
    assert report.studies_cached < 2


def big_ct_series(n: int, **common: str) -> list[pydicom.Dataset]:
    """``n`` 512x512 16-bit slices (about 0.5 MB each), so a download takes a while."""
    import numpy as np

    series = image_series(get_testdata_file("CT_small.dcm", download=False), n=n, **common)
    rng = np.random.default_rng(1)
    for ds in series:
        ds.Rows = ds.Columns = 512
        ds.PixelData = rng.integers(0, 4000, (512, 512), dtype=np.uint16).tobytes()
        for keyword in ("SmallestImagePixelValue", "LargestImagePixelValue"):
            ds.pop(keyword, None)
    return series


def test_orthanc_stopped_mid_download(orthanc, services_env, kiosk_parts) -> None:  # type: ignore[no-untyped-def]
    import threading

    from tests.helpers.orthanc_control import orthanc_stopped

    proxy, _cloud, cached, blobs, _ = kiosk_parts
    uid = pydicom.uid.generate_uid()
    images = big_ct_series(
        12, patient_id="MID001", patient_name="Mid^Download", accession="MIDACC1", study_uid=uid
    )
    for ds in images:
        orthanc.upload(ds)
    refs = [r for r in cached.list_instances(uid)]
    proxy.mode, proxy.rate = "throttle", 400_000  # ~6 MB at 0.4 MB/s: about 15 s
    outcome: dict[str, object] = {}

    def fetch() -> None:
        try:
            outcome["value"] = cached.fetch_instances(refs)
        except Exception as exc:  # the assertion below says what it must be
            outcome["error"] = exc

    worker = threading.Thread(target=fetch)
    worker.start()
    # Wait until bytes are flowing, then stop Orthanc under the download.
    from tests.helpers.services import wait_until

    wait_until(lambda: proxy.connections >= 1, 10, "the download to start")
    with orthanc_stopped(services_env):
        worker.join(60)
        assert not worker.is_alive()
        error = outcome.get("error")
        assert isinstance(error, CloudUnavailableError), outcome
        assert error.exit_code == 5
    # Nothing half-downloaded was kept: every cached instance is whole.
    for ref in refs:
        data = cached.cached_instance_bytes(ref)
        if data is not None:
            assert pydicom.dcmread(io.BytesIO(data)).SOPInstanceUID == ref.sop_uid
    # Orthanc is back: the same call gets every instance, identical.
    proxy.mode = "pass"
    got = cached.fetch_instances(refs)
    assert [d.PixelData for d in got] == [d.PixelData for d in images]
    assert blobs.usage().blobs >= 12
