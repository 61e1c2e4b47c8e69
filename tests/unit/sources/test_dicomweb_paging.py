"""QIDO-RS paging without a network: limit/offset, Warning 299, servers that page badly."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from kiosk_app.sources.dicomweb import CloudListError, DicomWebSource
from tests.unit.sources.fake_http import ScriptedAdapter, response

URL = "http://cloud.test/dicom-web"
STUDY = "1.2.3"
SERIES = "1.2.3.4"


def instance(n: int) -> dict[str, object]:
    return {
        "0020000D": {"vr": "UI", "Value": [STUDY]},
        "0020000E": {"vr": "UI", "Value": [SERIES]},
        "00080018": {"vr": "UI", "Value": [f"1.2.3.4.{n}"]},
        "00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]},
        "00080060": {"vr": "CS", "Value": ["CT"]},
        "00200013": {"vr": "IS", "Value": [n]},
    }


class FakeQido:
    """A QIDO-RS server over ``count`` instances of one series.

    ``server_max``: its own maximum per answer; ``warn``: whether it says so (Warning 299);
    ``ignore_offset`` / ``ignore_limit``: a broken server; ``study_count``: what it answers
    for NumberOfStudyRelatedInstances; ``metadata``: instances its WADO-RS metadata lists.
    """

    def __init__(
        self,
        count: int,
        *,
        server_max: int = 0,
        warn: bool = True,
        ignore_offset: bool = False,
        ignore_limit: bool = False,
        study_count: int | None = None,
        metadata: int | None = None,
    ) -> None:
        self.items = [instance(n) for n in range(1, count + 1)]
        self.server_max = server_max
        self.warn = warn
        self.ignore_offset = ignore_offset
        self.ignore_limit = ignore_limit
        self.study_count = study_count
        self.metadata = count if metadata is None else metadata
        self.pages: list[tuple[int, int]] = []  # (limit, offset) of each instance query
        self.metadata_asked = 0

    def __call__(self, request: requests.PreparedRequest) -> requests.Response:
        parts = urlsplit(request.url or "")
        query = parse_qs(parts.query)
        if parts.path.endswith("/metadata"):
            self.metadata_asked += 1
            return response(200, json.dumps(self.items[: self.metadata]).encode())
        if parts.path.endswith("/dicom-web/studies"):
            study: dict[str, object] = {"0020000D": {"vr": "UI", "Value": [STUDY]}}
            if self.study_count is not None:
                study["00201208"] = {"vr": "IS", "Value": [self.study_count]}
            return response(200, json.dumps([study]).encode())
        limit = int(query["limit"][0])
        offset = int(query["offset"][0])
        self.pages.append((limit, offset))
        start = 0 if self.ignore_offset else offset
        size = len(self.items) if self.ignore_limit else limit
        if self.server_max:
            size = min(size, self.server_max)
        body = self.items[start : start + size]
        if not body:
            return response(204, b"")
        answer = response(200, json.dumps(body).encode())
        remaining = len(self.items) - start - len(body)
        if self.warn and self.server_max and remaining > 0 and len(body) < limit:
            answer.headers["Warning"] = (
                f'299 cloud.test: "There are {remaining} additional results that can be requested"'
            )
        return answer


def client(server: FakeQido, **kwargs: int) -> DicomWebSource:
    source = DicomWebSource(URL, sleep=lambda _s: None, rng=random.Random(1), **kwargs)
    source.http.mount("http://cloud.test/", ScriptedAdapter(server))
    return source


def numbers(found: list[dict[str, object]]) -> list[int]:
    return [obj["00200013"]["Value"][0] for obj in found]  # type: ignore[index]


def test_an_exact_multiple_of_the_page_size_ends_on_an_empty_page() -> None:
    server = FakeQido(6)
    found = client(server, qido_page_size=3).search_instances(STUDY, SERIES)
    assert numbers(found) == [1, 2, 3, 4, 5, 6]
    assert server.pages == [(3, 0), (3, 3), (3, 6)]


def test_a_short_last_page_ends_the_search() -> None:
    server = FakeQido(7)
    found = client(server, qido_page_size=3).search_instances(STUDY, SERIES)
    assert numbers(found) == [1, 2, 3, 4, 5, 6, 7]
    assert server.pages == [(3, 0), (3, 3), (3, 6)]


def test_one_page_when_everything_fits() -> None:
    server = FakeQido(5)
    assert len(client(server, qido_page_size=1000).search_instances(STUDY)) == 5
    assert server.pages == [(1000, 0)]


def test_warning_299_goes_on_from_the_offset_reached_with_the_servers_page_size() -> None:
    server = FakeQido(7, server_max=2)
    found = client(server, qido_page_size=5).search_instances(STUDY, SERIES)
    assert numbers(found) == [1, 2, 3, 4, 5, 6, 7]
    assert server.pages == [(5, 0), (2, 2), (2, 4), (2, 6)]


def test_a_server_ignoring_offset_is_an_error_not_a_loop() -> None:
    server = FakeQido(10, ignore_offset=True)
    with pytest.raises(CloudListError, match="ignores offset") as info:
        client(server, qido_page_size=3).search_instances(STUDY, SERIES)
    assert server.pages == [(3, 0), (3, 3)]
    assert URL in str(info.value)


def test_a_server_ignoring_limit_sends_everything_in_one_answer() -> None:
    server = FakeQido(8, ignore_limit=True)
    found = client(server, qido_page_size=3).search_instances(STUDY, SERIES)
    assert numbers(found) == list(range(1, 9))
    assert server.pages == [(3, 0)]


def test_more_results_than_the_cap_is_an_error_not_a_truncated_list() -> None:
    server = FakeQido(50)
    with pytest.raises(CloudListError, match="more than 25 results"):
        client(server, qido_page_size=10, qido_max_results=25).search_instances(STUDY)
    assert server.pages == [(10, 0), (10, 10), (10, 20)]


def test_more_pages_than_the_cap_is_an_error() -> None:
    server = FakeQido(50, server_max=1)  # one result per answer, each with Warning 299
    with pytest.raises(CloudListError, match="more than 7 pages"):
        client(server, qido_page_size=10, qido_max_pages=7).search_instances(STUDY)
    assert len(server.pages) == 7


def test_a_silently_capped_instance_list_is_completed_from_metadata() -> None:
    # Orthanc with LimitFindInstances: no warning, and offset cannot reach past the cap.
    server = FakeQido(12, server_max=4, warn=False, study_count=12)
    refs = client(server, qido_page_size=10).list_instances(STUDY)
    assert sorted(r.instance_number or 0 for r in refs) == list(range(1, 13))
    assert len({r.sop_uid for r in refs}) == 12
    assert server.metadata_asked == 1


def test_an_instance_list_that_stays_short_is_an_error() -> None:
    server = FakeQido(12, server_max=4, warn=False, study_count=12, metadata=9)
    with pytest.raises(CloudListError, match="9 of the study's 12 instances"):
        client(server, qido_page_size=10).list_instances(STUDY)


def test_a_complete_list_needs_no_metadata() -> None:
    server = FakeQido(5, study_count=5, metadata=0)
    refs = client(server).list_instances(STUDY)
    assert [r.instance_number for r in refs] == [1, 2, 3, 4, 5]
    assert server.metadata_asked == 0
