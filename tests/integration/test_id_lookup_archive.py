"""ID-card look-ups against a real Orthanc holding a large archive (issue 16).

The archive (``tests.helpers.lookup_archive``: 10,000 studies by default, or
``KIOSK_LOOKUP_STUDIES``) lives in an Orthanc of this module's own (``ONLY=orthanc``, kept
between runs), seeded once; a run on a seeded archive only starts it. Every request the kiosk
sends to the cloud is counted, with the bytes of its answer: a look-up must cost a few small
requests whatever the archive's size, never the archive's study list.

A server that ignores the filter is a loopback proxy in front of the same Orthanc that drops
the (0010,1000) key (and so answers every study, as Orthanc itself does for the retired
keyword); a server that caps its answers is the same proxy lowering ``limit`` with
``Warning: 299``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from kiosk_app.app import _selftest_id_lookup
from kiosk_app.core.models import CredentialKind
from kiosk_app.services import selftest
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.identify import IdentityService, IdNumberMap, NotRegisteredError
from kiosk_app.settings import load
from kiosk_app.sources.dicomweb import CloudListError, DicomWebSource
from tests.helpers import lookup_archive as archive

pytestmark = pytest.mark.integration

STUDIES = int(os.environ.get("KIOSK_LOOKUP_STUDIES", "10000"))
# A look-up's answers are DICOM JSON of a few studies; the archive's list would be megabytes.
LOOKUP_BYTES = 20_000


@pytest.fixture(scope="module")
def big_orthanc() -> Iterator[archive.ArchiveOrthanc]:
    if not Path("/usr/sbin/Orthanc").exists() or shutil.which("curl") is None:
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("Orthanc is not installed (apt-get install orthanc orthanc-dicomweb)")
        pytest.skip("Orthanc is not installed")
    with archive.archive_orthanc() as orthanc:
        done = archive.seed(orthanc.url, orthanc.auth, STUDIES)
        print(f"look-up archive: {done.studies} studies, {done.uploaded} uploaded in "
              f"{done.seconds:.1f} s")  # fmt: skip
        yield orthanc


class Counter(HTTPAdapter):
    """Counts the requests sent through it and the bytes of their answers."""

    def __init__(self) -> None:
        super().__init__(pool_maxsize=8, max_retries=0)
        self.urls: list[str] = []
        self.bytes = 0

    def send(self, request: Any, stream: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().send(request, stream=stream, **kwargs)
        self.urls.append(str(request.url))
        if not stream:
            self.bytes += len(response.content)
        return response

    def reset(self) -> None:
        self.urls.clear()
        self.bytes = 0


def counted_source(
    url: str, auth: tuple[str, str], **kwargs: Any
) -> tuple[DicomWebSource, Counter]:
    source = DicomWebSource(url, username=auth[0], password=auth[1], retries=0, **kwargs)
    counter = Counter()
    source.http.mount("http://", counter)
    return source, counter


def service(source: DicomWebSource, tmp_path: Path, mode: str = "other_ids") -> IdentityService:
    id_map = IdNumberMap(tmp_path / "id-numbers.db", b"k" * 32, retention=86400.0)
    return IdentityService(Catalog(source), source, id_number_mode=mode, id_map=id_map)


def qido(counter: Counter) -> list[str]:
    return [u for u in counter.urls if "/studies?" in u]


def test_an_id_card_finds_exactly_its_holders_studies_in_a_few_small_requests(
    big_orthanc: archive.ArchiveOrthanc, tmp_path: Path
) -> None:
    source, counter = counted_source(big_orthanc.dicomweb_url, big_orthanc.auth)
    kiosk = service(source, tmp_path)
    last = archive.patient_of(STUDIES - 1)
    for patient in (7, last if last % 10 else last - 1):
        counter.reset()
        credential, exams = kiosk.find_card(archive.id_number(patient))
        assert credential.kind is CredentialKind.NATIONAL_ID
        assert {e.study_uid for e in exams} == set(archive.studies_of(patient, STUDIES))
        assert {e.patient_id for e in exams} == {archive.patient_id(patient)}
        searches = qido(counter)
        # One search by the ID number's tag, one by the PatientID it named; then per exam.
        assert "00101000=" + archive.id_number(patient) in searches[0]
        assert "limit=100&" in searches[0]
        assert f"PatientID={archive.patient_id(patient)}" in searches[1]
        assert len(counter.urls) <= 2 + 3 * len(exams), counter.urls
        assert counter.bytes < LOOKUP_BYTES * len(exams)
    # The ID-number search alone: one request, the three studies' JSON (Orthanc sends about
    # 1.1 kB a study), against about 11 MB for the study list of 10,000.
    counter.reset()
    assert source.find_patient_ids(archive.id_number(7)) == [archive.patient_id(7)]
    assert len(counter.urls) == 1 and counter.bytes < 5000, (counter.urls, counter.bytes)
    # Nobody has this number: one request, nothing found, not the archive.
    counter.reset()
    with pytest.raises(NotRegisteredError):
        kiosk.find_card(selftest.PROBE_ID_NUMBER)
    assert len(counter.urls) == 1 and counter.bytes < 100


def test_the_second_visit_skips_the_look_up_and_the_map_names_no_id_number(
    big_orthanc: archive.ArchiveOrthanc, tmp_path: Path
) -> None:
    source, counter = counted_source(big_orthanc.dicomweb_url, big_orthanc.auth)
    patient = 41
    number = archive.id_number(patient)
    expected = set(archive.studies_of(patient, STUDIES))
    assert {e.study_uid for e in service(source, tmp_path).find_card(number)[1]} == expected
    # Later, another kiosk process (a restart): the same map file.
    counter.reset()
    again = service(source, tmp_path)
    assert {e.study_uid for e in again.find_card(number)[1]} == expected
    searches = qido(counter)
    assert not [u for u in searches if "00101000" in u], searches
    assert f"PatientID={archive.patient_id(patient)}" in searches[0]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("id-numbers.db*"))
    assert archive.patient_id(patient).encode() in stored
    assert number.encode() not in stored
    # A remembered PatientID that no longer has exams (merged away): the look-up runs again.
    again.id_map.put(number, ["LKGONE0000"])  # type: ignore[union-attr]
    counter.reset()
    assert {e.study_uid for e in again.find_card(number)[1]} == expected
    assert any("00101000" in u for u in qido(counter))
    assert again.id_map.get(number) == (archive.patient_id(patient),)  # type: ignore[union-attr]


def test_the_id_number_as_patient_id_is_one_search(
    big_orthanc: archive.ArchiveOrthanc, tmp_path: Path
) -> None:
    source, counter = counted_source(big_orthanc.dicomweb_url, big_orthanc.auth)
    patient = 30  # registered under the ID number itself
    _credential, exams = service(source, tmp_path, "patient_id").find_card(
        archive.id_number(patient)
    )
    assert {e.study_uid for e in exams} == set(archive.studies_of(patient, STUDIES))
    assert f"PatientID={archive.id_number(patient)}" in qido(counter)[0]


# ----------------------------------------------------------------------- a proxy in between
_FORWARD = requests.Session()
_FORWARD.trust_env = False  # loopback only


class _Proxy(BaseHTTPRequestHandler):
    target: ClassVar[str] = ""
    mode: ClassVar[str] = "strip"  # strip: drop the 00101000 key; cap: limit 2, Warning 299

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        warning = ""
        if self.mode == "strip":
            query = [(k, v) for k, v in query if k != "00101000"]
        elif self.mode == "cap":
            limit = dict(query).get("limit")
            if limit is not None and int(limit) > 2:
                query = [(k, "2" if k == "limit" else v) for k, v in query]
                warning = "299 proxy: There are additional results that can be requested"
        url = self.target + parts.path + ("?" + urlencode(query, safe="*") if query else "")
        headers = {
            k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept")
        }
        answer = _FORWARD.get(url, headers=headers, timeout=30)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        if warning and answer.ok:
            self.send_header("Warning", warning)
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def proxy(big_orthanc: archive.ArchiveOrthanc) -> Iterator[type[_Proxy]]:
    _Proxy.target = big_orthanc.url
    _Proxy.mode = "strip"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Proxy.url = f"http://127.0.0.1:{server.server_address[1]}/dicom-web"  # type: ignore[attr-defined]
    yield _Proxy
    server.shutdown()
    server.server_close()


def _settings(tmp_path: Path, url: str, orthanc: archive.ArchiveOrthanc, mode: str) -> Any:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        "\n".join(
            [
                "[kiosk]",
                f'data_dir = "{tmp_path / "data"}"',
                "[cloud]",
                f'url = "{url}"',
                f'username = "{orthanc.auth[0]}"',
                f'password = "{orthanc.auth[1]}"',
                "[identity]",
                f'id_number_mode = "{mode}"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return load(path, env={})


def _selftest(settings: Any) -> tuple[selftest.Level, str]:
    report = selftest.run(_selftest_id_lookup(settings), kiosk_id="it", version="0")
    (result,) = report.results
    return result.level, result.detail


def test_selftest_says_whether_the_server_filters_the_id_number(
    big_orthanc: archive.ArchiveOrthanc, proxy: Any, tmp_path: Path
) -> None:
    for mode in ("other_ids", "patient_id"):
        level, detail = _selftest(_settings(tmp_path, big_orthanc.dicomweb_url, big_orthanc, mode))
        assert level is selftest.Level.OK, detail
        assert "filtered by the server" in detail
    level, detail = _selftest(_settings(tmp_path, proxy.url, big_orthanc, "other_ids"))
    assert level is selftest.Level.WARN
    assert "does not filter it, so every ID card will be refused" in detail
    assert 'id_number_mode = "mpi"' in detail


def test_a_server_that_ignores_the_filter_is_refused_after_one_small_page(
    big_orthanc: archive.ArchiveOrthanc, proxy: Any, tmp_path: Path
) -> None:
    source, counter = counted_source(proxy.url, big_orthanc.auth)
    with pytest.raises(CloudListError) as info:
        service(source, tmp_path).find_card(archive.id_number(7))
    assert "does not filter" in str(info.value)
    # One page of 100 studies (about 115 kB), not the archive's 10,000 (about 11 MB).
    assert len(counter.urls) == 1
    assert counter.bytes < 200_000, counter.bytes


def test_a_capped_answer_is_followed_and_a_search_past_the_cap_refused(
    big_orthanc: archive.ArchiveOrthanc, proxy: Any, tmp_path: Path
) -> None:
    proxy.mode = "cap"  # at most 2 results per answer, with Warning: 299
    patient = 13
    source, counter = counted_source(proxy.url, big_orthanc.auth)
    _credential, exams = service(source, tmp_path).find_card(archive.id_number(patient))
    assert {e.study_uid for e in exams} == set(archive.studies_of(patient, STUDIES))
    searches = qido(counter)
    assert sum("00101000=" in u for u in searches) == 2  # 2, then the third from offset 2
    assert any("PatientID=" in u and "offset=2" in u for u in searches), searches
    # A patient with more studies than max_patient_studies: an error, never a part of them.
    small, _counter = counted_source(big_orthanc.dicomweb_url, big_orthanc.auth,
                                     max_patient_studies=2)  # fmt: skip
    with pytest.raises(CloudListError) as info:
        service(small, tmp_path / "small").find_card(archive.id_number(patient))
    assert "more than 2 results" in str(info.value)
