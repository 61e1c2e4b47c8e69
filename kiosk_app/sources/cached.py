"""A study source that keeps what it fetched in the offline cache and serves it when the cloud
is down.

* Instances are immutable (a SOP Instance UID names one content forever), so they are served
  from the cache first and fetched only when missing or damaged.
* Searches and instance lists change as the cloud learns more, so they go to the cloud first;
  the last answer is kept and used only when the cloud cannot be reached.
* When the cloud is down and the cache has nothing, the error says so
  (``cloud.offline_not_cached``), still a :class:`CloudUnavailableError`.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any, TypeVar

from pydicom import Dataset, dcmwrite

from kiosk_app.core.errors import CloudError, CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.sources.base import StudySource
from kiosk_app.sources.dicomweb import read_dataset
from offline_cache.blobs import BlobStore
from offline_cache.errors import CacheFullError

log = logging.getLogger(__name__)
T = TypeVar("T")


def exam_to_json(exam: Exam) -> dict[str, Any]:
    data = asdict(exam)
    data["study_date"] = exam.study_date.isoformat() if exam.study_date else None
    data["report"] = None
    data["images"] = []
    data["key_objects"] = []
    data["presentation_states"] = []
    return data


def exam_from_json(data: dict[str, Any]) -> Exam:
    return Exam(
        study_uid=data["study_uid"],
        accession_number=data["accession_number"],
        patient_id=data["patient_id"],
        patient_name=data["patient_name"],
        study_date=date.fromisoformat(data["study_date"]) if data["study_date"] else None,
        modalities=tuple(data["modalities"]),
        description=data["description"],
    )


class CachingSource:
    """Wraps a cloud source; the offline cache answers when the cloud cannot."""

    def __init__(self, inner: StudySource, blobs: BlobStore) -> None:
        self.inner = inner
        self.blobs = blobs
        self.description = inner.description
        # Instance look-ups answered from the cache, and not (the monitoring's hit rate).
        self.hits = 0
        self.misses = 0
        self._count_lock = threading.Lock()

    # ------------------------------------------------------------------ searches

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        name = f"find/{accession or ''}/{patient_id or ''}"
        exams = self._fresh_or_cached(
            name,
            "search",
            lambda: self.inner.find_studies(accession=accession, patient_id=patient_id),
            lambda exams: [exam_to_json(e) for e in exams],
            lambda data: [exam_from_json(e) for e in data],
        )
        return exams

    def find_patient_ids(self, other_id: str) -> list[str]:
        """PatientIDs listing ``other_id`` (an ID number) in OtherPatientIDs: the cloud's
        answer when it answers, else what the cache learned (a search or a prefetch)."""
        inner = getattr(self.inner, "find_patient_ids", None)
        if inner is None:
            raise CloudError(cloud=self.description, detail="cannot search OtherPatientIDs")
        ids: list[str] = self._fresh_or_cached(
            f"patient-ids/{other_id}", "search", lambda: list(inner(other_id)), list, list
        )
        return ids

    def remember_patient_ids(self, ds: Dataset) -> None:
        """Record an instance's OtherPatientIDs -> PatientID, so that a patient who brings only
        an ID card is found while the cloud is down (the prefetcher calls this)."""
        patient = str(ds.get("PatientID", ""))
        others = ds.get("OtherPatientIDs") or []
        for other in [others] if isinstance(others, str) else [str(o) for o in others]:
            if not other or not patient:
                continue
            name = f"patient-ids/{other}"
            known = self.blobs.get(name)
            ids = set(json.loads(known)) if known is not None else set()
            if patient not in ids:
                self._store(name, json.dumps(sorted(ids | {patient})).encode(), "search")

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        return self._fresh_or_cached(
            f"instances/{study_uid}",
            "listing",
            lambda: self.inner.list_instances(study_uid),
            lambda refs: [asdict(r) for r in refs],
            lambda data: [InstanceRef(**r) for r in data],
        )

    def _fresh_or_cached(
        self,
        name: str,
        kind: str,
        fetch: Callable[[], T],
        dump: Callable[[T], Any],
        load: Callable[[Any], T],
    ) -> T:
        try:
            value = fetch()
        except CloudUnavailableError as exc:
            cached = self.blobs.get(name)
            if cached is None:
                raise CloudUnavailableError(
                    "cloud.offline_not_cached", **{**exc.params, "cloud": self.description}
                ) from exc
            log.warning("cloud unreachable (%s); answering a %s from the offline cache", exc, kind)
            return load(json.loads(cached))
        self._store(name, json.dumps(dump(value)).encode(), kind)
        return value

    # ------------------------------------------------------------------ instances

    def has_instance(self, ref: InstanceRef) -> bool:
        return self.blobs.contains(f"instance/{ref.sop_uid}")

    def cached_instance_bytes(self, ref: InstanceRef) -> bytes | None:
        data = self.blobs.get(f"instance/{ref.sop_uid}")
        with self._count_lock:
            if data is None:
                self.misses += 1
            else:
                self.hits += 1
        return data

    def fetch_instance_bytes(self, ref: InstanceRef) -> bytes:
        data = self.cached_instance_bytes(ref)
        if data is not None:
            return data
        try:
            data = self._inner_bytes(ref)
        except CloudUnavailableError as exc:
            raise CloudUnavailableError(
                "cloud.offline_not_cached", **{**exc.params, "cloud": self.description}
            ) from exc
        self._store(f"instance/{ref.sop_uid}", data, "instance")
        return data

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        return read_dataset(self.fetch_instance_bytes(ref))

    def fetch_instances(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        """Cached instances from disk; the missing ones fetched together (concurrently)."""
        found: dict[str, bytes] = {}
        missing = []
        for ref in refs:
            data = self.cached_instance_bytes(ref)
            if data is None:
                missing.append(ref)
            else:
                found[ref.sop_uid] = data
        if missing:
            many = getattr(self.inner, "fetch_instances_bytes", None)
            try:
                fetched = many(missing) if many else [self._inner_bytes(r) for r in missing]
            except CloudUnavailableError as exc:
                raise CloudUnavailableError(
                    "cloud.offline_not_cached", **{**exc.params, "cloud": self.description}
                ) from exc
            for ref, data in zip(missing, fetched, strict=True):
                self._store(f"instance/{ref.sop_uid}", data, "instance")
                found[ref.sop_uid] = data
        return [read_dataset(found[r.sop_uid]) for r in refs]

    def image_headers(self, refs: Sequence[InstanceRef]) -> list[Dataset] | None:
        """Headers for counting film sheets: the cloud's metadata; while the cloud is down,
        the cached instances (when every one is cached), else None (not known)."""
        inner = getattr(self.inner, "image_headers", None)
        if inner is not None:
            try:
                headers: list[Dataset] = inner(refs)
                return headers
            except CloudUnavailableError as exc:
                log.info("cloud unreachable (%s); headers from the offline cache", exc)
        cached = [self.blobs.get(f"instance/{ref.sop_uid}") for ref in refs]
        if any(data is None for data in cached):
            return None
        return [read_dataset(data) for data in cached if data is not None]

    def _inner_bytes(self, ref: InstanceRef) -> bytes:
        as_bytes = getattr(self.inner, "fetch_instance_bytes", None)
        if as_bytes is not None:
            data: bytes = as_bytes(ref)
            return data
        buffer = io.BytesIO()
        dcmwrite(buffer, self.inner.fetch_instance(ref), enforce_file_format=False)
        return buffer.getvalue()

    def _store(self, name: str, data: bytes, kind: str) -> None:
        try:
            self.blobs.put(name, data, kind)
        except (CacheFullError, OSError) as exc:
            # The cache is a help, never a reason for a visit to fail.
            log.warning("offline cache could not keep a %s: %s", kind, exc)

    def ping(self) -> None:
        self.inner.ping()
