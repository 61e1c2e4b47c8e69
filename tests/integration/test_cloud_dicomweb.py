"""The DICOMweb client against the real Orthanc, directly and through a proxy that delays,
throttles and cuts the connection: bytes identical, or one typed error."""

from __future__ import annotations

import io

import pydicom
import pytest
from pydicom import dcmwrite
from pydicom.data import get_testdata_file

from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import InstanceRef
from kiosk_app.sources.dicomweb import (
    CloudAuthError,
    CloudNotFoundError,
    CloudTimeoutError,
    DicomWebSource,
)
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.helpers.tcp_proxy import FaultProxy
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.integration


def part10(ds: pydicom.Dataset) -> bytes:
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


@pytest.fixture
def study(orthanc):  # type: ignore[no-untyped-def]
    uid = pydicom.uid.generate_uid()
    common = dict(
        patient_id="CLD001", patient_name="Cloud^Test", accession="CLDACC1", study_uid=uid
    )
    images = image_series(get_testdata_file("CT_small.dcm", download=False), n=6, **common)
    for ds in images:
        orthanc.upload(ds)
    pdf = report_pdf("cloud report")
    report = make_encapsulated_pdf(pdf, **common)
    orthanc.upload(report)
    refs = [
        InstanceRef(uid, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID, "CT", i + 1)
        for i, ds in enumerate(images)
    ]
    return {"uid": uid, "images": images, "refs": refs, "report": report, "pdf": pdf}


def make_source(orthanc, url: str | None = None, **kw) -> DicomWebSource:  # type: ignore[no-untyped-def]
    user, password = orthanc.auth
    kw.setdefault("backoff", 0.01)
    return DicomWebSource(url or orthanc.dicomweb_url, username=user, password=password, **kw)


@pytest.fixture
def proxy(orthanc):  # type: ignore[no-untyped-def]
    port = int(orthanc.url.rsplit(":", 1)[1])
    with FaultProxy(port) as p:
        yield p


def test_qido_levels_with_includefield(orthanc, study) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc)
    studies = source.search_studies({"PatientID": "CLD001"})
    assert [s["0020000D"]["Value"][0] for s in studies] == [study["uid"]]
    series = source.search_series(study["uid"])
    assert {s["00080060"]["Value"][0] for s in series} == {"CT", "DOC"}
    instances = source.search_instances(study["uid"], study["refs"][0].series_uid)
    assert len(instances) == 6
    assert {i["00200013"]["Value"][0] for i in instances} == set(range(1, 7))


def test_wado_instances_come_back_byte_identical_concurrently(orthanc, study) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, max_parallel=4)
    got = source.fetch_instances_bytes(study["refs"])
    for data, ds in zip(got, study["images"], strict=True):
        back = pydicom.dcmread(io.BytesIO(data))
        assert back.SOPInstanceUID == ds.SOPInstanceUID
        assert back.PixelData == ds.PixelData


def test_study_stream_metadata_frames_and_bulk_data(orthanc, study) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc)
    uids = {pydicom.dcmread(io.BytesIO(b)).SOPInstanceUID for b in source.iter_study(study["uid"])}
    assert uids == {ds.SOPInstanceUID for ds in study["images"]} | {study["report"].SOPInstanceUID}
    ref = study["refs"][0]
    frame = source.frames(ref, [1])[0]
    assert frame == study["images"][0].PixelData
    report = study["report"]
    meta = source.metadata(study["uid"], report.SeriesInstanceUID, report.SOPInstanceUID)
    uri = meta[0]["00420011"]["BulkDataURI"]
    assert source.bulkdata(uri)[: len(study["pdf"])] == study["pdf"]


def test_wrong_password_and_unknown_instance_are_typed(orthanc, study) -> None:  # type: ignore[no-untyped-def]
    bad = DicomWebSource(orthanc.dicomweb_url, username="kiosk", password="wrong")
    with pytest.raises(CloudAuthError):
        bad.find_studies(accession="CLDACC1")
    source = make_source(orthanc)
    missing = InstanceRef(study["uid"], study["refs"][0].series_uid, "1.2.3.999")
    with pytest.raises(CloudNotFoundError):
        source.fetch_instance(missing)


def test_a_download_cut_once_is_fetched_again_whole(orthanc, study, proxy) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, proxy.url + "/dicom-web", retries=2)
    proxy.mode, proxy.cut_after, proxy.cut_times = "cut", 20_000, 1
    data = source.fetch_instance_bytes(study["refs"][0])
    assert pydicom.dcmread(io.BytesIO(data)).PixelData == study["images"][0].PixelData
    assert proxy.cuts == 1 and proxy.connections == 2


def test_a_download_always_cut_gives_a_clear_error(orthanc, study, proxy) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, proxy.url + "/dicom-web", retries=1)
    proxy.mode, proxy.cut_after = "cut", 20_000
    with pytest.raises(CloudUnavailableError) as info:
        source.fetch_instance(study["refs"][0])
    assert info.value.exit_code == 5
    assert proxy.cuts == 2


def test_a_throttled_answer_arrives_whole(orthanc, study, proxy) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, proxy.url + "/dicom-web", read_timeout=10)
    proxy.mode, proxy.rate = "throttle", 200_000
    ds = source.fetch_instance(study["refs"][1])
    assert ds.PixelData == study["images"][1].PixelData


def test_a_slow_or_silent_cloud_times_out(orthanc, study, proxy) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, proxy.url + "/dicom-web", read_timeout=0.3, retries=1)
    proxy.mode, proxy.delay = "delay", 2.0
    with pytest.raises(CloudTimeoutError):
        source.find_studies(accession="CLDACC1")
    proxy.mode = "stall"
    with pytest.raises(CloudTimeoutError) as info:
        source.fetch_instance(study["refs"][0])
    assert info.value.message_id == "cloud.timeout"


def test_a_cloud_that_is_down_is_unreachable(orthanc, proxy) -> None:  # type: ignore[no-untyped-def]
    source = make_source(orthanc, proxy.url + "/dicom-web", retries=1)
    proxy.close()
    with pytest.raises(CloudUnavailableError) as info:
        source.ping()
    assert "connection refused" in str(info.value)
