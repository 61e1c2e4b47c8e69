"""The imaging cloud over DICOMweb: QIDO-RS to search, WADO-RS to fetch.

Query strings are built by hand: some servers (Orthanc 1.10 among them) do not percent-decode
query values, and ``requests`` would encode characters such as ``*``. Values the kiosk searches
by (accession numbers, patient IDs) are checked to hold only URL-safe characters.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import logging
import re
from collections.abc import Mapping
from typing import Any

import pydicom
import requests
from pydicom import Dataset

from kiosk_app.core.errors import BadStudyDataError, CloudError, CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.logs import patient_ref
from kiosk_app.sources import dicom_json

log = logging.getLogger(__name__)

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._~-]+$")
_STUDY_FIELDS = ("00081030", "00080061", "00100010", "00100020", "00080050", "00080020")
_INSTANCE_FIELDS = ("00080016", "0020000E", "00080060", "00200013")


class DicomWebSource:
    """A DICOMweb service root, such as ``https://pacs.example/dicom-web``."""

    def __init__(
        self,
        url: str,
        *,
        username: str = "",
        password: str = "",
        token: str = "",
        ca_bundle: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.description = self.url
        self.timeout = (connect_timeout, read_timeout)
        self.http = requests.Session()
        # Never route through a proxy from the environment: every request goes to the
        # configured cloud and nowhere else.
        self.http.trust_env = False
        self.http.verify = ca_bundle or True
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        elif username:
            self.http.auth = (username, password)

    # ------------------------------------------------------------------ queries

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
        found = self._qido("/studies", params, _STUDY_FIELDS)
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

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        self._check_uid(study_uid)
        found = self._qido(f"/studies/{study_uid}/instances", {}, _INSTANCE_FIELDS)
        return [dicom_json.instance_from_json(obj, study_uid) for obj in found]

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        for uid in (ref.study_uid, ref.series_uid, ref.sop_uid):
            self._check_uid(uid)
        path = f"/studies/{ref.study_uid}/series/{ref.series_uid}/instances/{ref.sop_uid}"
        response = self._get(path, accept='multipart/related; type="application/dicom"')
        parts = _multipart_parts(response)
        if len(parts) != 1:
            raise BadStudyDataError(detail=f"WADO-RS returned {len(parts)} parts for one instance")
        try:
            return pydicom.dcmread(io.BytesIO(parts[0]), force=True)
        except Exception as exc:  # pydicom raises many types for damaged data
            raise BadStudyDataError(detail=f"instance is not readable DICOM: {exc}") from exc

    def ping(self) -> None:
        self._qido("/studies", {"limit": "1"}, ())

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _redacted(params: Mapping[str, str]) -> str:
        return ", ".join(f"{k}={patient_ref(v)}" for k, v in params.items() if k != "limit")

    @staticmethod
    def _check_uid(uid: str) -> None:
        if not re.fullmatch(r"[0-9.]{1,64}", uid):
            raise BadStudyDataError(detail=f"not a DICOM UID: {uid[:70]!r}")

    def _qido(
        self, path: str, params: Mapping[str, str], fields: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        query = []
        for key, value in params.items():
            if not _SAFE_VALUE.match(value):
                raise ValueError(f"query value for {key} has characters DICOMweb cannot carry")
            query.append(f"{key}={value}")
        query.extend(f"includefield={tag}" for tag in fields)
        full = path + ("?" + "&".join(query) if query else "")
        response = self._get(full, accept="application/dicom+json")
        if response.status_code == 204 or not response.content.strip():
            return []
        try:
            body = response.json()
        except ValueError as exc:
            raise CloudError(cloud=self.url, detail=f"QIDO-RS answer is not JSON: {exc}") from exc
        if not isinstance(body, list):
            raise CloudError(cloud=self.url, detail="QIDO-RS answer is not a JSON array")
        return body

    def _get(self, path: str, *, accept: str) -> requests.Response:
        try:
            response = self.http.get(
                self.url + path, headers={"Accept": accept}, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise CloudUnavailableError(cloud=self.url, detail=f"no answer in time: {exc}") from exc
        except requests.ConnectionError as exc:
            raise CloudUnavailableError(cloud=self.url, detail=_connection_detail(exc)) from exc
        except requests.RequestException as exc:
            raise CloudUnavailableError(cloud=self.url, detail=str(exc)) from exc
        if response.status_code in (401, 403):
            raise CloudError(
                cloud=self.url,
                detail=f"HTTP {response.status_code}: the kiosk's credentials were refused",
            )
        if response.status_code == 404:
            raise CloudError(cloud=self.url, detail=f"HTTP 404 for {path.split('?')[0]}")
        if response.status_code >= 400:
            raise CloudError(cloud=self.url, detail=f"HTTP {response.status_code}")
        return response


def _connection_detail(exc: requests.ConnectionError) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "host name not found"
    return text.split(":")[-1].strip(" )'\"") or "connection failed"


def _multipart_parts(response: requests.Response) -> list[bytes]:
    """The bodies of a multipart/related answer (WADO-RS)."""
    ctype = response.headers.get("Content-Type", "")
    if not ctype.lower().startswith("multipart/"):
        raise BadStudyDataError(detail=f"WADO-RS answered {ctype or 'no content type'}")
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + response.content
    )
    if not message.is_multipart():
        raise BadStudyDataError(detail="WADO-RS multipart answer has no parts")
    parts: list[bytes] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload)
    return parts
