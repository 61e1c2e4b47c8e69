"""The imaging cloud over DICOMweb: QIDO-RS to search, WADO-RS to fetch.

Query strings are built by hand: some servers (Orthanc 1.10 among them) do not percent-decode
query values, and ``requests`` would encode characters such as ``*``. Values the kiosk searches
by (accession numbers, patient IDs, date ranges) are checked to hold only URL-safe characters.

One ``requests.Session`` (with a connection pool sized for ``max_parallel``) is reused for every
request. GET requests are idempotent, so connection failures, time-outs and 502/503/504 answers
are retried with exponential back-off and full jitter. Multipart answers are parsed as a stream
(:mod:`kiosk_app.sources.multipart`). Every failure is one of the typed errors below, each a
:class:`~kiosk_app.core.errors.CloudError` or :class:`~kiosk_app.core.errors.BadStudyDataError`
with its own message id.

Every QIDO-RS search is paged (PS3.18 8.3.4.4): ``limit`` and ``offset`` on each request, pages
followed until one comes back shorter than asked. A server that returns fewer than asked *and*
says so with ``Warning: 299`` (its own maximum per response, 8.3.4.4.1) is asked again from the
offset reached, with the page size it gave. A page that brings nothing new (a server ignoring
``offset``) and a search longer than ``qido_max_results`` or ``qido_max_pages`` are errors
(:class:`CloudListError`), never a silently shortened list. Some servers cap results silently
(Orthanc's ``LimitFindInstances``: no warning, and ``offset`` cannot reach past the cap), so
:meth:`DicomWebSource.list_instances` also checks the instances listed against the study's
NumberOfStudyRelatedInstances and, when short, lists them from WADO-RS metadata instead.

Study searches for one patient or one exam (a PatientID, an accession number, an ID number in
OtherPatientIDs) have a much smaller cap, ``max_patient_studies``: they are meant to be
filtered by the server, and a server that ignores the filter would otherwise hand the kiosk
its whole archive. The ID-number search also checks every result it gets against the filter,
page by page, and refuses the first page carrying another ID number (:class:`CloudListError`,
"the cloud does not filter ..."): the kiosk never pages through an archive to filter it itself.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pydicom
import requests
from pydicom import Dataset
from requests.adapters import HTTPAdapter

from kiosk_app.core.errors import BadStudyDataError, CloudError, CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.logs import patient_ref
from kiosk_app.sources import dicom_json
from kiosk_app.sources.multipart import MalformedMultipartError, Part, boundary_of, iter_parts

log = logging.getLogger(__name__)

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._~*-]+$")
_EXACT_VALUE = re.compile(r"^[A-Za-z0-9._~-]+$")
_STUDY_FIELDS = ("00081030", "00080061", "00100010", "00100020", "00080050", "00080020")
_SERIES_FIELDS = ("0008103E", "00080060", "00200011", "00201209")
_INSTANCE_FIELDS = ("00080016", "0020000E", "00080060", "00200013")
_DICOM_MULTIPART = 'multipart/related; type="application/dicom"'
# PS3.18 8.7.3.5.2: "*" lets the server send each instance in the syntax it has it in; without
# it, a server may transcode (Orthanc decompresses everything to Explicit VR Little Endian).
_AS_STORED = "; transfer-syntax=*"
_OCTET_MULTIPART = 'multipart/related; type="application/octet-stream"'
_RETRY_STATUS = frozenset({502, 503, 504})
_STUDY_COUNT = "00201208"  # NumberOfStudyRelatedInstances
_UID_TAGS = ("0020000D", "0020000E", "00080018")
# OtherPatientIDs by its tag: the keyword was retired from the standard (2017), and servers
# whose dictionary follows it ignore a key they do not know; Orthanc 1.10's DICOMweb plugin
# answers ``OtherPatientIDs=<n>`` with every study of the archive, ``00101000=<n>`` with the
# studies listing <n>.
OTHER_IDS_TAG = "00101000"
PATIENT_ID_TAG = "00100020"
# Pages of an ID-number search: one person's studies fit in one, and a server that ignores
# the filter is caught after this many results, not a full page.
ID_LOOKUP_PAGE = 100  # what tells one QIDO result from another
# PS3.18 8.3.4.4.1: "Warning: 299 {service}: There are N additional results that can be
# requested" (older editions: "The number of results exceeded the maximum supported by the
# server"); the warn-code is what counts, the text varies.
_WARNING_299 = re.compile(r"(?:^|,)\s*299\s")
_CHUNK = 256 * 1024

__all__ = [
    "CloudAuthError",
    "CloudForbiddenError",
    "CloudListError",
    "CloudNotFoundError",
    "CloudServerError",
    "CloudTimeoutError",
    "DicomWebSource",
    "MalformedMultipartError",
]


class CloudAuthError(CloudError):
    """401: the cloud did not accept the kiosk's credentials."""

    message_id = "cloud.unauthorized"


class CloudForbiddenError(CloudError):
    """403: the credentials are valid but may not read this."""

    message_id = "cloud.forbidden"


class CloudNotFoundError(CloudError):
    """404: the study, series, instance or service path does not exist."""

    message_id = "cloud.not_found"


class CloudListError(CloudError):
    """A QIDO-RS search whose results cannot all be had: longer than the kiosk's cap, a
    server that repeats pages (ignores ``offset``), or fewer instances than the study holds."""


class CloudServerError(CloudUnavailableError):
    """5xx: the cloud is up but failing (still failing after the retries)."""

    message_id = "cloud.server_error"


class CloudTimeoutError(CloudUnavailableError):
    """No connection or no answer within the configured time-outs (after the retries)."""

    message_id = "cloud.timeout"


class DicomWebSource:
    """A DICOMweb service root, such as ``https://pacs.example/dicom-web``.

    Args:
        url: the service root.
        username, password: HTTP basic authentication (ignored when ``token`` is set).
        token: a bearer token.
        client_cert, client_key: PEM files for TLS client-certificate authentication (the key
            may be inside ``client_cert``).
        ca_bundle: CA certificates to verify the server with; default: the system's.
        connect_timeout, read_timeout: seconds to connect, and between bytes of an answer.
        retries: further attempts for an idempotent request after a transient failure.
        backoff: base of the exponential back-off in seconds (full jitter).
        max_parallel: instances fetched at once; also the size of the connection pool.
        qido_page_size: results asked for per QIDO-RS request (``limit``).
        stored_syntax: ask for instances in the transfer syntax they are stored in
            (``transfer-syntax=*``): compressed images come compressed, and the kiosk decodes
            them; False lets the server choose (and transcode).
        qido_max_results, qido_max_pages: a search with more results, or needing more
            requests, than this is refused (:class:`CloudListError`) rather than followed on;
            pages default to ``qido_max_results // 10``, at least 100.
        max_patient_studies: the same cap for the searches of one patient's or one exam's
            studies (by PatientID, accession number, ID number).
        sleep, rng: injected for tests.
    """

    def __init__(
        self,
        url: str,
        *,
        username: str = "",
        password: str = "",
        token: str = "",
        client_cert: str | None = None,
        client_key: str | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
        max_parallel: int = 4,
        series_stream_min: int = 8,
        qido_page_size: int = 1000,
        qido_max_results: int = 20000,
        qido_max_pages: int | None = None,
        max_patient_studies: int = 1000,
        stored_syntax: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.description = self.url
        self.timeout = (connect_timeout, read_timeout)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_parallel = max(1, max_parallel)
        self.series_stream_min = max(2, series_stream_min)
        # Instances per series, as last listed: a series stream pays off only for most of one.
        self._series_sizes: dict[str, int] = {}
        self.qido_page_size = max(1, qido_page_size)
        self.qido_max_results = max(1, qido_max_results)
        self.qido_max_pages = max(1, qido_max_pages or max(100, self.qido_max_results // 10))
        self.max_patient_studies = max(1, min(max_patient_studies, self.qido_max_results))
        self._dicom_accept = _DICOM_MULTIPART + (_AS_STORED if stored_syntax else "")
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.http = requests.Session()
        # Never route through a proxy from the environment: every request goes to the
        # configured cloud and nowhere else.
        self.http.trust_env = False
        self.http.verify = ca_bundle or True
        if client_cert:
            self.http.cert = (client_cert, client_key) if client_key else client_cert
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        elif username:
            self.http.auth = (username, password)
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.max_parallel + 2, max_retries=0)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ QIDO-RS

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        params: dict[str, str] = {}
        if accession:
            params["AccessionNumber"] = accession
        if patient_id:
            params["PatientID"] = patient_id
        if not params:
            raise ValueError("find_studies needs an accession or a patient id")
        for key, value in params.items():
            if not _EXACT_VALUE.match(value):
                # No wildcards either: one patient's code must never match another's exam.
                raise ValueError(f"query value for {key} has characters DICOMweb cannot carry")
        found = self._qido("/studies", params, _STUDY_FIELDS, max_results=self.max_patient_studies)
        exams = [dicom_json.exam_from_json(obj) for obj in found]
        # Exact matching is ours to enforce: a server may treat values as wildcards or
        # match case-insensitively, and one patient must never see another's exam.
        exams = [
            e
            for e in exams
            if (not accession or e.accession_number == accession)
            and (not patient_id or e.patient_id == patient_id)
        ]
        log.info("QIDO found %d studies (query %s)", len(exams), self._redacted(params))
        return exams

    def find_patient_ids(self, other_id: str) -> list[str]:
        """PatientIDs of the studies listing ``other_id`` in OtherPatientIDs (0010,1000).

        The server must filter (the query names the attribute by its tag, which Orthanc
        honours): a result listing other ID numbers means it does not, and the search stops
        there with :class:`CloudListError` rather than page through the archive. At most
        ``max_patient_studies`` studies are read.
        """
        if not _EXACT_VALUE.match(other_id):
            raise ValueError("an ID number has characters DICOMweb cannot carry")
        wanted = other_id.upper()

        def filtered(obj: Mapping[str, Any]) -> bool:
            others = obj.get(OTHER_IDS_TAG, {}).get("Value", [])
            return wanted in [str(v).strip().upper() for v in others]

        found = self._qido(
            "/studies",
            {OTHER_IDS_TAG: other_id},
            (PATIENT_ID_TAG, OTHER_IDS_TAG),
            max_results=self.max_patient_studies,
            page_size=min(self.qido_page_size, ID_LOOKUP_PAGE),
            check=(filtered, f"the cloud does not filter studies by {OTHER_IDS_TAG} (an ID "
                   "number): it answered studies of other ID numbers"),
        )  # fmt: skip
        ids = set()
        for obj in found:
            patient = obj.get(PATIENT_ID_TAG, {}).get("Value", [""])[0]
            if patient:
                ids.add(str(patient))
        log.info("QIDO found %d patient id(s) by OtherPatientIDs", len(ids))
        return sorted(ids)

    def probe_filter(self, key: str, value: str) -> int:
        """How many studies one page of ``key=value`` (``limit=2``) brings: for ``kiosk
        selftest``, with a value no study carries, 0 on a server that filters by ``key``."""
        if not _EXACT_VALUE.match(value) or not re.fullmatch(r"[0-9A-Za-z]+", key):
            raise ValueError("probe key or value has characters DICOMweb cannot carry")
        body, _capped = self._qido_page("/studies", f"{key}={value}", limit=2, offset=0)
        return len(body)

    def search_studies(
        self, params: Mapping[str, str], fields: Sequence[str] = _STUDY_FIELDS
    ) -> list[dict[str, Any]]:
        """QIDO-RS at study level; ``params`` such as ``{"StudyDate": "20260101-20260107"}``.

        ``"limit"`` among ``params`` asks for the first that many results only (the
        prefetcher's round): it is the pager's, not sent as a second ``limit``, which a server
        may take instead of the pager's (Orthanc takes the last one).
        """
        query = dict(params)
        first = query.pop("limit", None)
        if first is None:
            return self._qido("/studies", query, tuple(fields))
        if not first.isdigit() or int(first) < 1:
            raise ValueError("limit must be a whole number above 0")
        return self._qido("/studies", query, tuple(fields), first=int(first))

    def search_series(
        self,
        study_uid: str,
        params: Mapping[str, str] | None = None,
        fields: Sequence[str] = _SERIES_FIELDS,
    ) -> list[dict[str, Any]]:
        self._check_uid(study_uid)
        return self._qido(f"/studies/{study_uid}/series", params or {}, tuple(fields))

    def search_instances(
        self,
        study_uid: str,
        series_uid: str | None = None,
        params: Mapping[str, str] | None = None,
        fields: Sequence[str] = _INSTANCE_FIELDS,
    ) -> list[dict[str, Any]]:
        self._check_uid(study_uid)
        path = f"/studies/{study_uid}"
        if series_uid:
            self._check_uid(series_uid)
            path += f"/series/{series_uid}"
        return self._qido(path + "/instances", params or {}, tuple(fields))

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        """Every instance of a study, checked against the count the server gives for it.

        A server that caps QIDO-RS answers without saying so (Orthanc's LimitFindInstances)
        lists fewer instances than the study's NumberOfStudyRelatedInstances: the instances
        are then listed from the study's WADO-RS metadata, which such servers do not cap.
        """
        found = self.search_instances(study_uid)
        refs = [dicom_json.instance_from_json(obj, study_uid) for obj in found]
        expected = self._study_instance_count(study_uid)
        if expected is None or len(refs) >= expected:
            return self._sized(refs)
        log.info(
            "QIDO-RS listed %d of the study's %d instances (the cloud caps its answers); "
            "listing them from WADO-RS metadata",
            len(refs),
            expected,
        )
        listed = {ref.sop_uid for ref in refs}
        for obj in self.metadata(study_uid):
            ref = dicom_json.instance_from_json(obj, study_uid)
            if ref.sop_uid and ref.sop_uid not in listed:
                listed.add(ref.sop_uid)
                refs.append(ref)
        if len(refs) < expected:
            raise CloudListError(
                cloud=self.url,
                detail=f"the cloud lists {len(refs)} of the study's {expected} instances",
            )
        return self._sized(refs)

    def _sized(self, refs: list[InstanceRef]) -> list[InstanceRef]:
        """``refs``, with each series' size remembered for :meth:`fetch_instances_bytes`."""
        sizes: dict[str, int] = {}
        for ref in refs:
            sizes[ref.series_uid] = sizes.get(ref.series_uid, 0) + 1
        self._series_sizes.update(sizes)
        return refs

    def _study_instance_count(self, study_uid: str) -> int | None:
        """NumberOfStudyRelatedInstances as the server counts it; None if it does not say."""
        found = self._qido(
            "/studies", {"StudyInstanceUID": study_uid}, (_STUDY_COUNT,), max_results=10
        )
        for obj in found:
            if dicom_json.first(obj, "0020000D", None) not in (None, study_uid):
                continue
            value = dicom_json.first(obj, _STUDY_COUNT, None)
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None
        return None

    # ------------------------------------------------------------------ WADO-RS

    def fetch_instance_bytes(self, ref: InstanceRef) -> bytes:
        """One instance as a DICOM Part 10 file, exactly as the server sent it.

        A connection that breaks or stalls in the middle of the body is retried as a whole
        request, like a failure to connect.
        """
        parts = self._parts(self._instance_path(ref), self._dicom_accept)
        if len(parts) != 1:
            raise MalformedMultipartError(
                detail=f"WADO-RS returned {len(parts)} parts for one instance"
            )
        return parts[0].body

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        return read_dataset(self.fetch_instance_bytes(ref))

    def fetch_instances(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        """Every instance in ``refs``, ``max_parallel`` at a time, in the order given."""
        return [read_dataset(b) for b in self.fetch_instances_bytes(refs)]

    def fetch_instances_bytes(self, refs: Sequence[InstanceRef]) -> list[bytes]:
        """Every instance in ``refs`` as Part 10 bytes, in the order given.

        Series with at least ``series_stream_min`` of the instances asked for, and at least
        half of the series as last listed, come in one WADO-RS series request each (one
        answer streamed, instead of one round trip per instance); the rest one request per
        instance (20 slices of a 600-slice CT are 20 requests, not the whole series). Both
        run ``max_parallel`` at a time. A series stream that fails, or lacks an instance,
        falls back to single requests.
        """
        by_series: dict[tuple[str, str], list[InstanceRef]] = {}
        for ref in refs:
            by_series.setdefault((ref.study_uid, ref.series_uid), []).append(ref)
        streams = [group for group in by_series.values() if self._streamed(group)]
        singles = [r for g in by_series.values() if not self._streamed(g) for r in g]
        found: dict[str, bytes] = {}
        workers = max(1, min(self.max_parallel, len(streams) + len(singles)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wado") as pool:
            jobs = [pool.submit(self._series_bytes, group) for group in streams]
            jobs += [
                pool.submit(lambda r: {r.sop_uid: self.fetch_instance_bytes(r)}, r) for r in singles
            ]
            for job in jobs:
                found.update(job.result())
            missing = [r for r in refs if r.sop_uid not in found]
            for ref, data in zip(
                missing, pool.map(self.fetch_instance_bytes, missing), strict=True
            ):
                found[ref.sop_uid] = data
        return [found[r.sop_uid] for r in refs]

    def _streamed(self, group: Sequence[InstanceRef]) -> bool:
        size = self._series_sizes.get(group[0].series_uid, len(group))
        return len(group) >= self.series_stream_min and 2 * len(group) >= size

    def _series_bytes(self, group: Sequence[InstanceRef]) -> dict[str, bytes]:
        """The wanted instances of one series from a single streamed WADO-RS answer."""
        first = group[0]
        for uid in (first.study_uid, first.series_uid):
            self._check_uid(uid)
        wanted = {r.sop_uid for r in group}
        found: dict[str, bytes] = {}
        path = f"/studies/{first.study_uid}/series/{first.series_uid}"
        try:
            for part in self._wado_parts(path, self._dicom_accept):
                uid = _sop_uid_of(part.body)
                if uid in wanted:
                    found[uid] = part.body
        except (_BodyBrokenError, CloudError, BadStudyDataError) as exc:
            log.info("series stream failed (%s); fetching its instances one by one", exc)
        return found

    def iter_study(self, study_uid: str) -> Iterator[bytes]:
        """Every instance of a study from one WADO-RS request, each yielded as it arrives."""
        self._check_uid(study_uid)
        try:
            for part in self._wado_parts(f"/studies/{study_uid}", self._dicom_accept):
                yield part.body
        except _BodyBrokenError as exc:
            raise exc.error from exc

    def metadata(self, study_uid: str, series_uid: str = "", sop_uid: str = "") -> list[Any]:
        """The DICOM JSON metadata of a study, a series or one instance (bulk data as URIs)."""
        path = f"/studies/{study_uid}"
        for uid in (study_uid, series_uid, sop_uid):
            if uid:
                self._check_uid(uid)
        if series_uid:
            path += f"/series/{series_uid}"
            if sop_uid:
                path += f"/instances/{sop_uid}"
        body = self._json(self._request(path + "/metadata", "application/dicom+json"))
        return body

    def image_headers(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        """The instances in ``refs`` without their pixels, from WADO-RS metadata (one request
        per study): what the film plan needs to count sheets. Bulk data stays on the server;
        an element that has some is present with an empty value."""
        found: dict[str, Dataset] = {}
        for study_uid in dict.fromkeys(ref.study_uid for ref in refs):
            for obj in self.metadata(study_uid):
                try:
                    # Bulk data stays on the server: its elements are kept with no value.
                    # (Dropping the URI before parsing, rather than a handler answering b"",
                    # parses several times faster, without pydicom's warning per element.)
                    ds = Dataset.from_json(_without_bulk_data(obj))
                except (ValueError, TypeError, KeyError) as exc:
                    raise BadStudyDataError(detail=f"unreadable metadata: {_short(exc)}") from exc
                found[str(ds.get("SOPInstanceUID", ""))] = ds
        missing = [ref.sop_uid for ref in refs if ref.sop_uid not in found]
        if missing:
            raise BadStudyDataError(detail=f"metadata lacks {len(missing)} instance(s)")
        return [found[ref.sop_uid] for ref in refs]

    def frames(self, ref: InstanceRef, numbers: Sequence[int]) -> list[bytes]:
        """Pixel data of the given frames (1-based), uncompressed or as stored."""
        if not numbers or any(n < 1 for n in numbers):
            raise ValueError("frame numbers start at 1")
        path = self._instance_path(ref) + "/frames/" + ",".join(str(n) for n in numbers)
        parts = [p.body for p in self._parts(path, _OCTET_MULTIPART)]
        if len(parts) != len(numbers):
            raise MalformedMultipartError(
                detail=f"asked for {len(numbers)} frames, got {len(parts)}"
            )
        return parts

    def bulkdata(self, uri: str) -> bytes:
        """The value behind a BulkDataURI from :meth:`metadata` (only under this service)."""
        if not uri.startswith(self.url + "/"):
            raise BadStudyDataError(detail="bulk data URI outside the configured cloud")
        path = uri[len(self.url) :]
        parts = self._parts(path, _OCTET_MULTIPART)
        if len(parts) != 1:
            raise MalformedMultipartError(detail=f"bulk data answer has {len(parts)} parts")
        return parts[0].body

    def ping(self) -> None:
        self._qido_page("/studies", "", limit=1, offset=0)

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _redacted(params: Mapping[str, str]) -> str:
        return ", ".join(f"{k}={patient_ref(v)}" for k, v in params.items() if k != "limit")

    @staticmethod
    def _check_uid(uid: str) -> None:
        if not re.fullmatch(r"[0-9.]{1,64}", uid):
            raise BadStudyDataError(detail=f"not a DICOM UID: {uid[:70]!r}")

    def _instance_path(self, ref: InstanceRef) -> str:
        for uid in (ref.study_uid, ref.series_uid, ref.sop_uid):
            self._check_uid(uid)
        return f"/studies/{ref.study_uid}/series/{ref.series_uid}/instances/{ref.sop_uid}"

    def _qido(
        self,
        path: str,
        params: Mapping[str, str],
        fields: tuple[str, ...],
        *,
        max_results: int | None = None,
        page_size: int | None = None,
        check: tuple[Callable[[Mapping[str, Any]], bool], str] | None = None,
        first: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every result of a QIDO-RS search, one page after another (see the module notes).

        ``max_results`` (default ``qido_max_results``) caps it, ``page_size`` (default
        ``qido_page_size``) is the first ``limit`` asked for; ``check`` is a test every
        result must pass and the error's text when one does not (checked page by page).
        ``first``: only the first that many results are wanted; the search stops there.
        """
        cap = min(max_results or self.qido_max_results, self.qido_max_results)
        query = []
        for key, value in params.items():
            if not _SAFE_VALUE.match(value):
                raise ValueError(f"query value for {key} has characters DICOMweb cannot carry")
            query.append(f"{key}={value}")
        query.extend(f"includefield={tag}" for tag in fields)
        base = "&".join(query)
        results: list[dict[str, Any]] = []
        seen: set[object] = set()
        # One page more than the cap allows tells a search at the cap from one past it.
        page = min(page_size or self.qido_page_size, cap + 1)
        if first is not None:
            page = min(page, first)
        offset = pages = 0
        while True:
            if pages >= self.qido_max_pages:
                raise CloudListError(
                    cloud=self.url,
                    detail=f"QIDO-RS {path} needs more than {self.qido_max_pages} pages",
                )
            ask = page if first is None else min(page, first - len(results))
            body, capped = self._qido_page(path, base, limit=ask, offset=offset)
            pages += 1
            if check is not None and not all(check[0](obj) for obj in body):
                raise CloudListError(cloud=self.url, detail=check[1])
            fresh = []
            for obj in body:
                ident = _result_key(obj)
                if ident not in seen:
                    seen.add(ident)
                    fresh.append(obj)
            if body and not fresh:
                raise CloudListError(
                    cloud=self.url,
                    detail=f"QIDO-RS {path} sent the same results again at offset {offset} "
                    "(the server ignores offset)",
                )
            if len(fresh) < len(body):
                log.info(
                    "QIDO-RS page at offset %d repeated %d result(s)",
                    offset,
                    len(body) - len(fresh),
                )
            results.extend(fresh)
            offset += len(body)
            if first is not None and len(results) >= first:
                return results[:first]
            if len(results) > cap:
                raise CloudListError(
                    cloud=self.url, detail=f"QIDO-RS {path} has more than {cap} results"
                )
            if capped and body:
                # The server's own maximum per answer (Warning 299): go on from here with it.
                page = min(page, len(body))
                continue
            if len(body) != ask:
                # Shorter: the last page. Longer: the server ignores limit and sent all.
                return results

    def _qido_page(
        self, path: str, query: str, *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of a search, and whether the server says it cut it short (Warning 299)."""
        paging = f"limit={limit}&offset={offset}"
        full = f"{path}?{query}&{paging}" if query else f"{path}?{paging}"
        response = self._request(full, "application/dicom+json")
        capped = bool(_WARNING_299.search(response.headers.get("Warning", "")))
        body = self._json(response)
        if not isinstance(body, list):
            raise CloudError(cloud=self.url, detail="QIDO-RS answer is not a JSON array")
        return body, capped

    def _json(self, response: requests.Response) -> Any:
        try:
            content = response.content
        except requests.RequestException as exc:
            raise self._transport_error(exc) from exc
        if response.status_code == 204 or not content.strip():
            return []
        try:
            return json.loads(content)
        except ValueError as exc:
            raise CloudError(cloud=self.url, detail=f"answer is not JSON: {exc}") from exc

    def _parts(self, path: str, accept: str) -> list[Part]:
        """All parts of a WADO-RS answer; a body cut off or stalled is fetched again whole."""
        attempt = 0
        while True:
            try:
                return list(self._wado_parts(path, accept))
            except _BodyBrokenError as exc:
                if attempt >= self.retries:
                    raise exc.error from exc
                delay = self._rng.uniform(0, self.backoff * (2**attempt))
                log.info("cloud answer broke off (%s); retry %d", exc.error, attempt + 1)
                self._sleep(delay)
                attempt += 1

    def _wado_parts(self, path: str, accept: str) -> Iterator[Part]:
        # No gzip for pixel data: it hardly compresses, and a server compressing every
        # instance on the fly spends far more time than the bytes take on a LAN.
        response = self._request(path, accept, stream=True, encoding="identity")
        try:
            boundary = boundary_of(response.headers.get("Content-Type", ""))
            yield from iter_parts(response.iter_content(_CHUNK), boundary)
        except requests.RequestException as exc:
            # The connection broke or stalled mid-body. A generator cannot restart a stream
            # its caller has partly consumed, so the caller's retry is the whole request.
            raise _BodyBrokenError(self._transport_error(exc)) from exc
        finally:
            response.close()

    def _request(
        self, path: str, accept: str, *, stream: bool = False, encoding: str | None = None
    ) -> requests.Response:
        """GET with retries on transient failures; raises a typed error for the rest."""
        attempt = 0
        while True:
            try:
                headers = {"Accept": accept}
                if encoding:
                    headers["Accept-Encoding"] = encoding
                response = self.http.get(
                    self.url + path,
                    headers=headers,
                    timeout=self.timeout,
                    stream=stream,
                )
            except requests.RequestException as exc:
                error: CloudError = self._transport_error(exc)
            else:
                if response.status_code < 400:
                    return response
                error = self._status_error(response, path)
                response.close()
                if response.status_code not in _RETRY_STATUS:
                    raise error
            if attempt >= self.retries:
                raise error
            delay = self._rng.uniform(0, self.backoff * (2**attempt))
            log.info("cloud request failed (%s); retry %d in %.2f s", error, attempt + 1, delay)
            self._sleep(delay)
            attempt += 1

    def _transport_error(self, exc: requests.RequestException) -> CloudError:
        if isinstance(exc, requests.Timeout):
            return CloudTimeoutError(cloud=self.url, detail="no answer in time")
        if isinstance(exc, requests.exceptions.SSLError):
            return CloudUnavailableError(cloud=self.url, detail=f"TLS: {_short(exc)}")
        if isinstance(exc, requests.ConnectionError):
            return CloudUnavailableError(cloud=self.url, detail=_connection_detail(exc))
        return CloudUnavailableError(cloud=self.url, detail=_short(exc))

    def _status_error(self, response: requests.Response, path: str) -> CloudError:
        status = response.status_code
        where = path.split("?")[0]
        if status == 401:
            return CloudAuthError(cloud=self.url, detail="HTTP 401")
        if status == 403:
            return CloudForbiddenError(cloud=self.url, detail="HTTP 403")
        if status == 404:
            return CloudNotFoundError(cloud=self.url, detail=f"HTTP 404 for {where}")
        if status >= 500:
            return CloudServerError(cloud=self.url, detail=f"HTTP {status}")
        return CloudError(cloud=self.url, detail=f"HTTP {status} for {where}")


class _BodyBrokenError(Exception):
    """Internal: the transport failed after the headers arrived; carries the typed error."""

    def __init__(self, error: CloudError) -> None:
        super().__init__(str(error))
        self.error = error


def read_dataset(data: bytes) -> Dataset:
    try:
        return pydicom.dcmread(io.BytesIO(data), force=True)
    except Exception as exc:  # pydicom raises many types for damaged data
        raise BadStudyDataError(detail=f"instance is not readable DICOM: {exc}") from exc


def _result_key(obj: Mapping[str, Any]) -> object:
    """What identifies a QIDO-RS result: its UIDs, else the whole object."""
    uids = tuple(str(dicom_json.first(obj, tag, "") or "") for tag in _UID_TAGS)
    return uids if any(uids) else json.dumps(obj, sort_keys=True)


def _without_bulk_data(obj: Any) -> Any:
    """A DICOM JSON object with every BulkDataURI left out (nested sequences too)."""
    out = {}
    for tag, element in obj.items():
        if isinstance(element, dict):
            if "BulkDataURI" in element:
                element = {k: v for k, v in element.items() if k != "BulkDataURI"}
            elif element.get("vr") == "SQ" and isinstance(element.get("Value"), list):
                element = {
                    **element,
                    "Value": [
                        _without_bulk_data(i) if isinstance(i, dict) else i
                        for i in element["Value"]
                    ],
                }
        out[tag] = element
    return out


def _sop_uid_of(data: bytes) -> str:
    """The SOP Instance UID of Part 10 bytes, from the header only."""
    try:
        ds = pydicom.dcmread(
            io.BytesIO(data), stop_before_pixels=True, specific_tags=["SOPInstanceUID"]
        )
        return str(ds.get("SOPInstanceUID", ""))
    except Exception:  # a damaged part is simply not one of those asked for
        return ""


def _short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:200] or type(exc).__name__


def _connection_detail(exc: requests.ConnectionError) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "host name not found"
    if "reset" in text.lower() or "aborted" in text.lower() or "IncompleteRead" in text:
        return "connection cut"
    return text.split(":")[-1].strip(" )'\"") or "connection failed"
