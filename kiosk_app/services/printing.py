"""Print jobs as persisted state: written before sending, delivered only when the printer says so.

A job row (with one unit per page or sheet) is committed before a byte reaches a printer. The
ledger gets the delivery in the same transaction that marks the job completed, and only when
the printer reports the job completed. A job whose outcome cannot be known (the kiosk stopped
between recording and submitting) becomes UNKNOWN for a nurse to decide: it is never sent again
by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from drivers.base import DocumentPrinter, FilmPrinter, FilmSheet, JobPhase, JobStatus, Printer
from drivers.errors import PrinterError
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.logs import patient_ref
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, JobRepository, LedgerRepository
from kiosk_app.store.tables import PrintJob

log = logging.getLogger(__name__)

ACTOR = "kiosk"


@dataclass(frozen=True)
class JobResult:
    """Where one job stands after submitting or waiting."""

    job_id: int
    kind: ItemKind
    state: JobState
    reason: str
    units: int
    printer: str


def error_reasons(status: JobStatus) -> tuple[str, ...]:
    """The IPP reasons that mean a person must act (``media-jam-error``, ``media-empty``...)."""
    return tuple(
        r
        for r in status.reasons
        if r.endswith("-error")
        or r in ("media-jam", "media-empty", "media-needed", "door-open", "cover-open")
    )


class PrintingService:
    def __init__(
        self,
        store: Store,
        report_printer: DocumentPrinter,
        film_printer: FilmPrinter,
        *,
        poll_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.report_printer = report_printer
        self.film_printer = film_printer
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep

    def printer_for(self, kind: ItemKind) -> Printer:
        return self.report_printer if kind is ItemKind.REPORT else self.film_printer

    # ------------------------------------------------------------------ submitting

    def submit_report(self, exam: Exam, pdf: bytes, pages: int) -> JobResult:
        return self._submit(
            exam,
            ItemKind.REPORT,
            pages,
            lambda title: self.report_printer.submit_pdf(pdf, title, {"media": "A4"}),
        )

    def submit_film(self, exam: Exam, sheets: Sequence[FilmSheet]) -> JobResult:
        return self._submit(
            exam,
            ItemKind.FILM,
            len(sheets),
            lambda title: self.film_printer.submit_sheets(sheets, title),
        )

    def _submit(
        self, exam: Exam, kind: ItemKind, units: int, send: Callable[[str], str]
    ) -> JobResult:
        printer = self.printer_for(kind)
        with self.store.session() as session:
            job = JobRepository(session).create(
                kind=kind.value,
                study_uid=exam.study_uid,
                accession=exam.accession_number,
                patient_id=exam.patient_id,
                printer=printer.name,
                units_total=units,
            )
            job_id = job.id
        title = f"{kind.value}-{exam.accession_number or exam.study_uid[-12:]}-{job_id}"
        try:
            printer_job = send(title)
        except PrinterError as exc:
            log.warning("job %d: printer %s refused it: %s", job_id, printer.name, exc)
            return self._finish(job_id, JobState.FAILED, exc.detail)
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            job.printer_job_id = printer_job
            repo.set_state(job, JobState.SUBMITTED)
            for unit in job.units:
                unit.state = "sent"
        log.info(
            "job %d: %s of %s (%d %s) sent to %s as %s",
            job_id,
            kind.value,
            patient_ref(exam.patient_id),
            units,
            "pages" if kind is ItemKind.REPORT else "sheets",
            printer.name,
            printer_job,
        )
        return JobResult(job_id, kind, JobState.SUBMITTED, "", units, printer.name)

    # ------------------------------------------------------------------ tracking

    def wait(self, job_ids: Iterable[int], timeout: float) -> dict[int, JobResult]:
        """Poll until every job is final or ``timeout`` seconds pass; return where each is."""
        ids = list(job_ids)
        results = {i: self.check(i) for i in ids}
        deadline = self.clock() + timeout
        while any(r.state in (JobState.SUBMITTED, JobState.PAUSED) for r in results.values()):
            if self.clock() >= deadline:
                break
            self.sleep(self.poll_interval)
            for job_id, result in results.items():
                if result.state in (JobState.SUBMITTED, JobState.PAUSED):
                    results[job_id] = self.check(job_id)
        return results

    def check(self, job_id: int) -> JobResult:
        """Ask the printer once about a submitted or paused job and record what it says."""
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            state, printer_job = JobState(job.state), job.printer_job_id
            kind = ItemKind(job.kind)
        if state not in (JobState.SUBMITTED, JobState.PAUSED) or printer_job is None:
            return self._result(job_id)
        printer = self.printer_for(kind)
        try:
            status = printer.job_status(printer_job)
        except PrinterError as exc:
            if exc.code == "job.unknown":
                return self._finish(job_id, JobState.UNKNOWN, exc.detail)
            log.warning("job %d: cannot ask %s: %s", job_id, printer.name, exc)
            return self._result(job_id)
        if status.phase is JobPhase.COMPLETED:
            return self._finish(job_id, JobState.COMPLETED, "")
        if status.phase is JobPhase.CANCELED:
            return self._finish(job_id, JobState.CANCELED, status.message or "canceled")
        if status.phase is JobPhase.ABORTED:
            return self._finish(job_id, JobState.FAILED, status.message or "aborted by printer")
        problems = error_reasons(status)
        if problems or status.phase in (JobPhase.STOPPED, JobPhase.HELD):
            reason = ", ".join(problems) or status.message or status.phase.value
            if state is not JobState.PAUSED:
                log.warning("job %d paused on %s: %s", job_id, printer.name, reason)
            return self._set(job_id, JobState.PAUSED, reason)
        if state is JobState.PAUSED:
            log.info("job %d on %s is printing again", job_id, printer.name)
            return self._set(job_id, JobState.SUBMITTED, "")
        return self._result(job_id)

    def reconcile(self) -> list[JobResult]:
        """After a start or a crash: settle every open job with what its printer says."""
        with self.store.session() as session:
            open_jobs = [
                (j.id, JobState(j.state), j.printer_job_id)
                for j in JobRepository(session).open_jobs()
            ]
        results = []
        for job_id, state, printer_job in open_jobs:
            if state is JobState.QUEUED or printer_job is None:
                # Recorded but never confirmed as sent: it may or may not be on paper.
                results.append(
                    self._finish(
                        job_id, JobState.UNKNOWN, "interrupted before the printer answered"
                    )
                )
            else:
                results.append(self.check(job_id))
        return results

    # ------------------------------------------------------------------ recording

    def _set(self, job_id: int, state: JobState, reason: str) -> JobResult:
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            if job.state != state.value or job.reason != reason:
                repo.set_state(job, state, reason)
            return self._to_result(job)

    def _finish(self, job_id: int, state: JobState, reason: str) -> JobResult:
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            repo.set_state(job, state, reason)
            if state is JobState.COMPLETED:
                repo.confirm_all_units(job)
                LedgerRepository(session).record_delivery(job)
            AuditRepository(session).record(
                ACTOR,
                f"job.{state.value}",
                subject=f"job {job.id}",
                detail={"kind": job.kind, "printer": job.printer, "reason": reason},
            )
            log.info("job %d: %s%s", job_id, state.value, f" ({reason})" if reason else "")
            return self._to_result(job)

    def _result(self, job_id: int) -> JobResult:
        with self.store.session() as session:
            return self._to_result(JobRepository(session).get(job_id))

    @staticmethod
    def _to_result(job: PrintJob) -> JobResult:
        return JobResult(
            job.id,
            ItemKind(job.kind),
            JobState(job.state),
            job.reason,
            job.units_total,
            job.printer,
        )
