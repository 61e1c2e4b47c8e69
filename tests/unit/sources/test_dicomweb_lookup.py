"""Study searches that must stay small without a network: by ID number, by patient, the
prefetcher's first N."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from kiosk_app.sources.dicomweb import CloudListError, DicomWebSource
from tests.unit.sources.fake_http import ScriptedAdapter, response

URL = "http://cloud.test/dicom-web"


def study(n: int, patient: str, other: str) -> dict[str, object]:
    return {
        "0020000D": {"vr": "UI", "Value": [f"1.2.{n}"]},
        "00100020": {"vr": "LO", "Value": [patient]},
        "00101000": {"vr": "LO", "Value": [other]},
        "00080050": {"vr": "SH", "Value": [f"A{n}"]},
    }


class Archive:
    """``count`` studies, patient ``P<n // 3>`` with ID number ``ID<n // 3>``; ``filters``:
    whether the server filters by (0010,1000) and PatientID (else it answers everything)."""

    def __init__(self, count: int, *, filters: bool = True) -> None:
        self.studies = [study(n, f"P{n // 3}", f"ID{n // 3}") for n in range(count)]
        self.filters = filters
        self.queries: list[list[tuple[str, str]]] = []

    def __call__(self, request: requests.PreparedRequest) -> requests.Response:
        query = parse_qsl(urlsplit(request.url or "").query)
        self.queries.append(query)
        found = self.studies
        for key, value in query:
            if self.filters and key in ("00101000", "PatientID"):
                tag = "00101000" if key == "00101000" else "00100020"
                found = [s for s in found if s[tag]["Value"] == [value]]  # type: ignore[index]
        values = dict(query)
        limit, offset = int(values["limit"]), int(values["offset"])
        return response(200, json.dumps(found[offset : offset + limit]).encode())


def client(server: Archive, **kwargs: int) -> DicomWebSource:
    source = DicomWebSource(URL, sleep=lambda _s: None, rng=random.Random(1), **kwargs)
    source.http.mount("http://cloud.test/", ScriptedAdapter(server))
    return source


def test_an_id_number_is_searched_by_its_tag_in_one_small_page() -> None:
    server = Archive(3000)
    assert client(server).find_patient_ids("ID7") == ["P7"]
    (query,) = server.queries
    assert ("00101000", "ID7") in query and ("limit", "100") in query


def test_a_server_that_does_not_filter_is_refused_at_the_first_page() -> None:
    server = Archive(3000, filters=False)
    with pytest.raises(CloudListError, match="does not filter"):
        client(server).find_patient_ids("ID7")
    assert len(server.queries) == 1  # 100 studies read, not 3,000


def test_one_patients_studies_past_the_cap_are_refused_not_cut() -> None:
    server = Archive(3000, filters=False)
    with pytest.raises(CloudListError, match="more than 50 results"):
        client(server, max_patient_studies=50).find_studies(patient_id="P7")
    assert [dict(q)["limit"] for q in server.queries] == ["51"]


def test_the_prefetchers_first_n_is_the_pagers_limit_not_a_second_one() -> None:
    server = Archive(3000, filters=False)
    found = client(server, qido_page_size=40).search_studies(
        {"StudyDate": "20260101-20260107", "limit": "100"}
    )
    assert len(found) == 100
    assert [[v for k, v in q if k == "limit"] for q in server.queries] == [["40"], ["40"], ["20"]]
    assert [dict(q)["offset"] for q in server.queries] == ["0", "40", "80"]
