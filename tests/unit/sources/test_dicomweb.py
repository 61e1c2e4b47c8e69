"""The DICOMweb client without a network: typed errors, retries with back-off, auth, queries."""

from __future__ import annotations

import dataclasses
import io
import json
import random

import pytest
import requests
from pydicom import Dataset, dcmwrite
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from kiosk_app.core.errors import BadStudyDataError, CloudError, CloudUnavailableError
from kiosk_app.core.models import InstanceRef
from kiosk_app.sources.dicomweb import (
    CloudAuthError,
    CloudForbiddenError,
    CloudNotFoundError,
    CloudServerError,
    CloudTimeoutError,
    DicomWebSource,
    MalformedMultipartError,
)
from tests.unit.sources.fake_http import ScriptedAdapter, multipart, response

URL = "http://cloud.test/dicom-web"
REF = InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5", "1.2.840.10008.5.1.4.1.1.2", "CT", 1)


def part10(sop_uid: str = "1.2.3.4.5") -> bytes:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = sop_uid
    ds.PatientID = "P1"
    ds.file_meta = Dataset()  # type: ignore[assignment]
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def client(script, **kwargs):  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    source = DicomWebSource(
        URL, sleep=sleeps.append, rng=random.Random(7), retries=2, backoff=0.5, **kwargs
    )
    adapter = ScriptedAdapter(script)
    source.http.mount("http://cloud.test/", adapter)
    return source, adapter, sleeps


@pytest.mark.parametrize(
    ("status", "error", "message_id"),
    [
        (401, CloudAuthError, "cloud.unauthorized"),
        (403, CloudForbiddenError, "cloud.forbidden"),
        (404, CloudNotFoundError, "cloud.not_found"),
        (500, CloudServerError, "cloud.server_error"),
        (503, CloudServerError, "cloud.server_error"),
    ],
)
def test_each_status_gives_its_typed_error(status: int, error: type, message_id: str) -> None:
    source, adapter, _ = client(lambda r: response(status))
    with pytest.raises(error) as info:
        source.fetch_instance(REF)
    assert info.value.message_id == message_id
    assert f"HTTP {status}" in str(info.value) and URL in str(info.value)
    assert isinstance(info.value, CloudError)
    # 503 is transient and retried; 401/403/404/500 are not.
    assert len(adapter.requests) == (3 if status == 503 else 1)


def test_timeouts_are_retried_with_jittered_backoff_then_typed() -> None:
    source, adapter, sleeps = client(lambda r: requests.ReadTimeout("slow"))
    with pytest.raises(CloudTimeoutError) as info:
        source.find_studies(accession="ACC1")
    assert isinstance(info.value, CloudUnavailableError)
    assert info.value.exit_code == 5
    assert len(adapter.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


def test_a_transient_failure_then_success() -> None:
    answers = [requests.ConnectionError("Connection refused"), response(502)]

    def script(request):  # type: ignore[no-untyped-def]
        if answers:
            return answers.pop(0)
        return response(200, b"[]")

    source, adapter, sleeps = client(script)
    assert source.find_studies(patient_id="P1") == []
    assert len(adapter.requests) == 3 and len(sleeps) == 2


def test_a_body_cut_off_mid_stream_is_retried_then_malformed() -> None:
    data, ctype = multipart([part10()])
    source, _, _ = client(lambda r: response(200, data[: len(data) // 2], ctype))
    with pytest.raises(MalformedMultipartError):
        source.fetch_instance(REF)
    good = multipart([part10()])
    answers = [response(200, data[:100], ctype)]
    source, _adapter, _ = client(lambda r: answers.pop() if answers else response(200, *good))
    with pytest.raises(MalformedMultipartError):  # a malformed body is not retried
        source.fetch_instance(REF)


def test_instance_round_trip_and_wrong_part_count() -> None:
    data, ctype = multipart([part10()])
    source, adapter, _ = client(lambda r: response(200, data, ctype))
    ds = source.fetch_instance(REF)
    assert ds.SOPInstanceUID == "1.2.3.4.5"
    assert (
        adapter.requests[0].headers["Accept"]
        == 'multipart/related; type="application/dicom"; transfer-syntax=*'
    )
    two, ctype = multipart([part10(), part10()])
    source, _, _ = client(lambda r: response(200, two, ctype))
    with pytest.raises(MalformedMultipartError):
        source.fetch_instance(REF)
    source, _, _ = client(lambda r: response(200, b"{}", "application/json"))
    with pytest.raises(MalformedMultipartError):
        source.fetch_instance(REF)


def test_instances_are_asked_for_as_stored_unless_configured_otherwise() -> None:
    data, ctype = multipart([part10()])
    source, adapter, _ = client(lambda r: response(200, data, ctype), series_stream_min=2)
    source.fetch_instances_bytes([REF, dataclasses.replace(REF, sop_uid="1.2.3.4.6")])
    list(source.iter_study("1.2.3"))
    assert {r.headers["Accept"].endswith("; transfer-syntax=*") for r in adapter.requests} == {True}
    source, adapter, _ = client(lambda r: response(200, data, ctype), stored_syntax=False)
    source.fetch_instance(REF)
    assert adapter.requests[0].headers["Accept"] == 'multipart/related; type="application/dicom"'


def test_concurrent_fetch_keeps_the_order() -> None:
    uids = [generate_uid() for _ in range(6)]
    refs = [InstanceRef("1.2.3", f"1.2.3.{i % 3}", u) for i, u in enumerate(uids)]

    def script(request):  # type: ignore[no-untyped-def]
        uid = request.url.rsplit("/", 1)[1]
        return response(200, *multipart([part10(uid)]))

    source, adapter, _ = client(script, max_parallel=4)
    datasets = source.fetch_instances(refs)
    assert [d.SOPInstanceUID for d in datasets] == uids
    assert len(adapter.requests) == 6  # 2 per series: below the series-stream threshold


def test_a_whole_series_comes_in_one_streamed_request() -> None:
    uids = [generate_uid() for _ in range(12)]
    refs = [InstanceRef("1.2.3", "1.2.3.4", u) for u in uids]
    extra = generate_uid()  # in the series, not asked for

    def script(request):  # type: ignore[no-untyped-def]
        assert request.url.endswith("/studies/1.2.3/series/1.2.3.4")
        assert request.headers["Accept-Encoding"] == "identity"
        return response(200, *multipart([part10(u) for u in [extra, *reversed(uids)]]))

    source, adapter, _ = client(script, max_parallel=4, series_stream_min=8)
    datasets = source.fetch_instances(refs)
    assert [d.SOPInstanceUID for d in datasets] == uids
    assert len(adapter.requests) == 1


def test_a_few_instances_of_a_large_series_are_fetched_one_by_one() -> None:
    """20 slices of a 600-slice CT (what one film sheet prints) are 20 requests, never the
    whole series streamed and mostly thrown away."""
    series = [generate_uid() for _ in range(600)]
    listing = [
        {
            "0020000D": {"vr": "UI", "Value": ["1.2.3"]},
            "0020000E": {"vr": "UI", "Value": ["1.2.3.4"]},
            "00080018": {"vr": "UI", "Value": [uid]},
            "00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]},
            "00080060": {"vr": "CS", "Value": ["CT"]},
        }
        for uid in series
    ]

    count = [
        {"0020000D": {"vr": "UI", "Value": ["1.2.3"]}, "00201208": {"vr": "IS", "Value": [600]}}
    ]

    def script(request):  # type: ignore[no-untyped-def]
        if "/instances?" in request.url or request.url.endswith("/instances"):
            return response(200, json.dumps(listing).encode(), "application/dicom+json")
        if "/studies?" in request.url:  # the study's instance count
            return response(200, json.dumps(count).encode(), "application/dicom+json")
        if request.url.endswith("/series/1.2.3.4"):
            return response(200, *multipart([part10(uid) for uid in series]))
        assert "/series/1.2.3.4/instances/" in request.url, request.url
        return response(200, *multipart([part10(request.url.rsplit("/", 1)[1])]))

    source, adapter, _ = client(script, series_stream_min=8)
    refs = source.list_instances("1.2.3")
    assert len(refs) == 600
    listed = len(adapter.requests)
    wanted = refs[::30]
    assert [d.SOPInstanceUID for d in source.fetch_instances(wanted)] == series[::30]
    assert len(adapter.requests) - listed == 20
    source.fetch_instances(refs[:400])  # most of the series: one stream
    assert adapter.requests[-1].url.endswith("/series/1.2.3.4")


def test_a_broken_series_stream_falls_back_to_single_instances() -> None:
    uids = [generate_uid() for _ in range(10)]
    refs = [InstanceRef("1.2.3", "1.2.3.4", u) for u in uids]

    def script(request):  # type: ignore[no-untyped-def]
        if request.url.endswith("/series/1.2.3.4"):
            data, ctype = multipart([part10(u) for u in uids])
            return response(200, data[: len(data) // 2], ctype)  # cut off
        return response(200, *multipart([part10(request.url.rsplit("/", 1)[1])]))

    source, adapter, _ = client(script, series_stream_min=8)
    assert [d.SOPInstanceUID for d in source.fetch_instances(refs)] == uids
    # one stream (cut after some parts); only the missing ones are fetched singly
    assert 1 < len(adapter.requests) <= 11


def test_queries_are_built_by_hand_and_results_filtered_exactly() -> None:
    found = [
        {
            "0020000D": {"Value": ["1.2"]},
            "00080050": {"Value": ["ACC1"]},
            "00100020": {"Value": ["P1"]},
        },
        {
            "0020000D": {"Value": ["1.3"]},
            "00080050": {"Value": ["ACC10"]},
            "00100020": {"Value": ["P2"]},
        },
    ]
    source, adapter, _ = client(lambda r: response(200, json.dumps(found).encode()))
    exams = source.find_studies(accession="ACC1")
    assert [e.study_uid for e in exams] == ["1.2"]
    url = adapter.requests[0].url or ""
    assert "AccessionNumber=ACC1&includefield=00081030" in url
    source.search_studies({"StudyDate": "20261120-20261126", "PatientName": "Test*Kiosk"})
    assert "StudyDate=20261120-20261126&PatientName=Test*Kiosk&" in (adapter.requests[-1].url or "")
    with pytest.raises(ValueError):
        source.find_studies(patient_id="Test^Kiosk")
    with pytest.raises(BadStudyDataError):
        source.list_instances("1.2/../../x")


def test_bearer_and_basic_auth_and_client_cert() -> None:
    source, adapter, _ = client(lambda r: response(200, b"[]"), token="t0k")
    source.ping()
    assert adapter.requests[0].headers["Authorization"] == "Bearer t0k"
    source, adapter, _ = client(lambda r: response(200, b"[]"), username="u", password="p")
    source.ping()
    assert adapter.requests[0].headers["Authorization"].startswith("Basic ")
    source = DicomWebSource(URL, client_cert="/c.pem", client_key="/k.pem", ca_bundle="/ca.pem")
    assert source.http.cert == ("/c.pem", "/k.pem")
    assert source.http.verify == "/ca.pem"
    assert source.http.trust_env is False


def test_frames_and_bulkdata_and_metadata() -> None:
    def script(request):  # type: ignore[no-untyped-def]
        url = request.url or ""
        if url.endswith("/metadata"):
            return response(200, b'[{"00080018": {"vr": "UI", "Value": ["1.2.3.4.5"]}}]')
        if "/frames/" in url:
            return response(200, *multipart([b"\x01" * 8, b"\x02" * 8]))
        return response(200, *multipart([b"%PDF-1.4"]))

    source, _adapter, _ = client(script)
    assert source.metadata("1.2.3")[0]["00080018"]["Value"] == ["1.2.3.4.5"]
    assert source.frames(REF, [1, 2]) == [b"\x01" * 8, b"\x02" * 8]
    assert source.bulkdata(URL + "/studies/1.2.3/bulk/00420011") == b"%PDF-1.4"
    with pytest.raises(BadStudyDataError):
        source.bulkdata("http://elsewhere.test/x")
