"""Prefetch: cache the exams that became final recently, so their patients can print while the
cloud is down.

One round asks the cloud (QIDO-RS) for studies dated within the last ``window_days``, and for
each: keeps the searches a visit will make (by accession number and by patient ID) and the
instance list, fetches the report, and, when the report is final, the images. The round stops
before the cache reaches its cap, so prefetching never evicts what it has just cached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from kiosk_app.core.errors import KioskError
from kiosk_app.services.catalog import (
    MAX_REPORT_OBJECTS,
    is_image,
    is_key_object,
    is_presentation_state,
    is_report,
    report_rank,
)
from kiosk_app.sources import dicom_json
from kiosk_app.sources.cached import CachingSource

log = logging.getLogger(__name__)

#: Stop a round when the cache is this full, so prefetching does not evict its own work.
FILL_LIMIT = 0.9


class StudySearch(Protocol):
    def search_studies(
        self, params: Mapping[str, str], fields: Sequence[str] = ...
    ) -> list[dict[str, Any]]: ...


@dataclass
class PrefetchReport:
    """What one round did."""

    studies_seen: int = 0
    studies_cached: int = 0
    not_final: int = 0
    instances_fetched: int = 0
    stopped_full: bool = False
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


class Prefetcher:
    def __init__(
        self,
        cloud: StudySearch,
        cache: CachingSource,
        *,
        window_days: int = 2,
        max_studies: int = 200,
        pdf_reports_final: bool = True,
        today: Callable[[], date] = date.today,
        chunk: int = 8,
    ) -> None:
        self.chunk = chunk
        self._evicted_at_start = 0
        self.cloud = cloud
        self.cache = cache
        self.window_days = window_days
        self.max_studies = max_studies
        self.pdf_reports_final = pdf_reports_final
        self.today = today

    def _full(self) -> bool:
        """The cache is nearly full, or had to evict something during this round."""
        if self.cache.blobs.evicted > self._evicted_at_start:
            return True
        usage = self.cache.blobs.usage()
        return usage.bytes >= FILL_LIMIT * usage.max_bytes

    def run_once(self) -> PrefetchReport:
        report = PrefetchReport()
        self._evicted_at_start = self.cache.blobs.evicted
        end = self.today()
        start = end - timedelta(days=self.window_days - 1)
        try:
            self.cache.blobs.purge_expired()
            found = self.cloud.search_studies(
                {"StudyDate": f"{start:%Y%m%d}-{end:%Y%m%d}", "limit": str(self.max_studies)}
            )
        except KioskError as exc:
            report.errors.append(str(exc))
            log.warning("prefetch: cannot search the cloud: %s", exc)
            return report
        for obj in found[: self.max_studies]:
            report.studies_seen += 1
            if report.stopped_full or self._full():
                report.stopped_full = True
                log.warning("prefetch: the offline cache is nearly full; round stopped")
                break
            exam = dicom_json.exam_from_json(obj)
            try:
                self._study(exam.study_uid, exam.accession_number, exam.patient_id, report)
            except KioskError as exc:
                report.errors.append(f"{exam.study_uid}: {exc}")
                log.warning("prefetch: study skipped: %s", exc)
        log.info("prefetch: %s", report.to_json())
        return report

    def _study(
        self, study_uid: str, accession: str, patient_id: str, report: PrefetchReport
    ) -> None:
        # The same searches a visit makes, so they can be answered offline.
        if accession:
            self.cache.find_studies(accession=accession)
        if patient_id:
            self.cache.find_studies(patient_id=patient_id)
        refs = self.cache.list_instances(study_uid)
        reports = [r for r in refs if is_report(r)][-MAX_REPORT_OBJECTS:]
        if not reports:
            report.not_final += 1
            return
        best = None
        for ref in reports:  # the one a visit would choose (Catalog._choose_report)
            missing_report = not self.cache.has_instance(ref)
            ds = self.cache.fetch_instance(ref)
            report.instances_fetched += int(missing_report)
            self.cache.remember_patient_ids(ds)
            rank = report_rank(ds, self.pdf_reports_final)
            best = rank if best is None else max(best, rank)
        if best is None or not best[0]:
            report.not_final += 1
            return
        # The key object selections and presentation states too: offline, the film is still
        # the radiologist's choice.
        images = [
            r for r in refs
            if (is_image(r) or is_key_object(r) or is_presentation_state(r))
            and not self.cache.has_instance(r)
        ]  # fmt: skip
        for start in range(0, len(images), self.chunk):
            if self._full():
                report.stopped_full = True
                return
            batch = images[start : start + self.chunk]
            self.cache.fetch_instances(batch)
            report.instances_fetched += len(batch)
        report.studies_cached += 1


class PrefetchTask:
    """Runs :meth:`Prefetcher.run_once` every ``interval`` seconds on a daemon thread."""

    def __init__(self, prefetcher: Prefetcher, interval: float) -> None:
        self.prefetcher = prefetcher
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.prefetcher.run_once()
            except Exception:  # the task must outlive any one bad round
                log.exception("prefetch round failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
