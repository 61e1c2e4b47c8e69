"""Printers that write PDFs into a folder: demo mode's printers, and unit tests' fakes.

Each job becomes ``<title>-<job id>.pdf`` in ``output_dir`` the moment it completes, which is at
once unless a fault is being simulated. Faults behave like a real printer's:

* :attr:`FakeFault.JAM` (also ``MEDIA_EMPTY``, ``DOOR_OPEN``): the printer is processing with the
  IPP reason (``media-jam-error``...); the oldest unfinished job is PROCESSING with that reason,
  later ones PENDING. Clearing the fault (``printer.fault = FakeFault.NONE`` or
  :meth:`clear_fault`) prints them all, in order.
* ``STOPPED``: the queue is stopped (reason ``paused``); unfinished jobs are STOPPED until cleared.
* ``ABORT``: jobs submitted while it is set end ABORTED at once, nothing is written.
* ``REJECTING``: the printer refuses new jobs (``printer.rejected``).
* ``OFFLINE``: the printer cannot be reached: submit and job_status raise
  ``printer.unreachable``, status() is UNKNOWN.

``fail_next`` sets a fault when the next job is submitted (earlier jobs are not affected).
"""

from __future__ import annotations

import enum
import logging
import os
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drivers.base import (
    DocumentPrinter,
    FilmPrinter,
    FilmSheet,
    JobPhase,
    JobStatus,
    Printer,
    PrinterState,
    PrinterStatus,
)
from drivers.errors import PrinterError
from drivers.printer.sheet_pdf import sheets_to_pdf

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.-]+")
_JOB_FILE = re.compile(r"-(\d+)\.pdf$")
_MAX_STEM = 80
# page objects in an uncompressed PDF object table; a count for tests and logs, not a PDF parser
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


class FakeFault(enum.Enum):
    """A printer condition the fake printers simulate (value: the IPP reason it reports)."""

    NONE = "none"
    """Prints at once."""
    JAM = "media-jam-error"
    """Paper/film jam: jobs wait, processing, until the fault is cleared."""
    MEDIA_EMPTY = "media-empty-error"
    """Out of paper/film: like a jam."""
    DOOR_OPEN = "door-open-error"
    """A cover is open: like a jam."""
    STOPPED = "paused"
    """The queue is stopped; jobs are STOPPED until the fault is cleared."""
    ABORT = "aborted"
    """Each job submitted ends ABORTED without printing."""
    REJECTING = "rejecting"
    """New jobs are refused."""
    OFFLINE = "offline-report"
    """The printer does not answer."""

    @property
    def holds_jobs(self) -> bool:
        return self in (FakeFault.JAM, FakeFault.MEDIA_EMPTY, FakeFault.DOOR_OPEN)


@dataclass
class FakeJob:
    """One job as the fake printer keeps it (tests read these)."""

    job_id: str
    title: str
    options: dict[str, str]
    pages: int
    """Sheets of a film job; page objects seen in a report's PDF (approximate)."""
    phase: JobPhase = JobPhase.PENDING
    path: Path | None = None
    """The PDF written once the job completed."""
    pdf: bytes = field(default=b"", repr=False)
    """The document until it is written (dropped afterwards, to keep memory flat)."""


def file_stem(title: str) -> str:
    """A file-name-safe version of a job title (letters of any script, digits, ``._-``)."""
    stem = _UNSAFE.sub("_", title).strip("._-")
    return stem[:_MAX_STEM] or "job"


class _FakePrinter(Printer):
    """Job bookkeeping and fault simulation shared by both fake printers."""

    def __init__(
        self, output_dir: str | os.PathLike[str], name: str, markers: Mapping[str, int] | None
    ) -> None:
        self.name = name
        self.output_dir = Path(output_dir)
        #: every job submitted, by job id
        self.jobs: dict[str, FakeJob] = {}
        #: consumable levels that status() reports; tests and the demo may change them
        self.markers: dict[str, int] = dict(markers or {})
        #: a fault that starts when the next job is submitted
        self.fail_next: FakeFault | None = None
        self._fault = FakeFault.NONE
        self._next_id = 1
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.output_dir)!r})"

    # ------------------------------------------------------------------ faults
    @property
    def fault(self) -> FakeFault:
        """The simulated condition; setting NONE prints every job that was waiting."""
        return self._fault

    @fault.setter
    def fault(self, fault: FakeFault) -> None:
        with self._lock:
            self._fault = fault
            if fault is FakeFault.NONE:
                for job in self._unfinished():
                    self._complete(job)

    def clear_fault(self) -> None:
        """A nurse cleared the jam / loaded media / re-enabled the queue."""
        self.fault = FakeFault.NONE

    def resume(self, job_id: str | None = None) -> None:
        """Re-enable a stopped queue (as ``cupsenable`` would); a jam must be cleared first."""
        if self._fault is FakeFault.STOPPED:
            self.clear_fault()

    # ------------------------------------------------------------------ Printer
    def status(self) -> PrinterStatus:
        with self._lock:
            fault = self._fault
            if fault is FakeFault.OFFLINE:
                return PrinterStatus(self.name, PrinterState.UNKNOWN, message="printer offline")
            busy = bool(self._unfinished())
            if fault is FakeFault.STOPPED:
                state = PrinterState.STOPPED
            else:
                state = PrinterState.PROCESSING if busy else PrinterState.IDLE
            reasons = (fault.value,) if fault.holds_jobs or fault is FakeFault.STOPPED else ()
            return PrinterStatus(
                name=self.name,
                state=state,
                reasons=reasons,
                message=f"simulated {fault.value}" if reasons else "",
                accepting_jobs=fault is not FakeFault.REJECTING,
                markers=dict(self.markers),
            )

    def job_status(self, job_id: str) -> JobStatus:
        with self._lock:
            self._check_reachable()
            job = self._job(job_id)
            if job.phase.final:
                return JobStatus(job.phase)
            fault = self._fault
            if fault is FakeFault.STOPPED:
                return JobStatus(JobPhase.STOPPED, ("printer-stopped", fault.value))
            if fault.holds_jobs:
                if self._unfinished()[0] is job:
                    return JobStatus(
                        JobPhase.PROCESSING, (fault.value,), f"simulated {fault.value}"
                    )
                return JobStatus(JobPhase.PENDING, (fault.value,))
            return JobStatus(job.phase)

    def cancel(self, job_id: str) -> None:
        with self._lock:
            self._check_reachable()
            job = self._job(job_id)
            if job.phase is JobPhase.COMPLETED:
                raise PrinterError("printer.rejected", f"job {job_id} is completed")
            if not job.phase.final:
                job.phase = JobPhase.CANCELED
                job.pdf = b""
                log.info("canceled job %s on %s", job_id, self.name)

    # ------------------------------------------------------------------ internals
    def _check_reachable(self) -> None:
        if self._fault is FakeFault.OFFLINE:
            raise PrinterError("printer.unreachable", f"{self.name} is offline (simulated)")

    def _job(self, job_id: str) -> FakeJob:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise PrinterError("job.unknown", f"no job {job_id} on {self.name}") from None

    def _unfinished(self) -> list[FakeJob]:
        return [job for job in self.jobs.values() if not job.phase.final]

    def _new_id(self) -> int:
        """Above every job file already in the folder, so a restart never overwrites one."""
        highest = 0
        if self.output_dir.is_dir():
            for path in self.output_dir.glob("*.pdf"):
                match = _JOB_FILE.search(path.name)
                if match:
                    highest = max(highest, int(match.group(1)))
        job_id = max(self._next_id, highest + 1)
        self._next_id = job_id + 1
        return job_id

    def _submit(self, pdf: bytes, title: str, options: Mapping[str, str], pages: int) -> str:
        with self._lock:
            if self.fail_next is not None:
                self._fault, self.fail_next = self.fail_next, None
            self._check_reachable()
            if self._fault is FakeFault.REJECTING:
                raise PrinterError("printer.rejected", f"{self.name} is not accepting jobs")
            job = FakeJob(str(self._new_id()), title, dict(options), pages, pdf=pdf)
            self.jobs[job.job_id] = job
            log.info("queued job %s on %s (%d pages)", job.job_id, self.name, pages)
            if self._fault is FakeFault.ABORT:
                job.phase, job.pdf = JobPhase.ABORTED, b""
                log.info("job %s aborted on %s (simulated)", job.job_id, self.name)
            elif self._fault is FakeFault.NONE:
                self._complete(job)
            return job.job_id

    def _complete(self, job: FakeJob) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{file_stem(job.title)}-{job.job_id}.pdf"
        # Through a temporary file: whoever watches the folder never sees half a PDF.
        fd, tmp = tempfile.mkstemp(prefix=".printing-", suffix=".pdf", dir=self.output_dir)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(job.pdf)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        job.phase, job.path, job.pdf = JobPhase.COMPLETED, path, b""
        log.info("job %s completed on %s", job.job_id, self.name)
        log.debug("job %s written to %s", job.job_id, path)


class FakeDocumentPrinter(_FakePrinter, DocumentPrinter):
    """A report printer that writes each PDF into ``output_dir``."""

    def __init__(
        self,
        output_dir: str | os.PathLike[str],
        name: str = "demo-reports",
        markers: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(output_dir, name, markers)

    def submit_pdf(self, pdf: bytes, title: str, options: Mapping[str, str] | None = None) -> str:
        if not pdf.startswith(b"%PDF-"):
            raise PrinterError("printer.rejected", "document is not a PDF")
        pages = len(_PDF_PAGE.findall(pdf)) or 1
        return self._submit(pdf, title, options or {}, pages)


class FakeFilmPrinter(_FakePrinter, FilmPrinter):
    """A film printer that writes each job's sheets as one PDF (a page per sheet).

    The PDF is the one :class:`~drivers.printer.cups.CupsFilmPrinter` would send, so a demo
    user sees films at their real size with their exact pixels.
    """

    def __init__(
        self,
        output_dir: str | os.PathLike[str],
        name: str = "demo-film",
        markers: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(output_dir, name, markers)

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        try:
            pdf = sheets_to_pdf(sheets, title)
        except ValueError as exc:
            raise PrinterError("printer.rejected", f"cannot print these sheets: {exc}") from exc
        return self._submit(pdf, title, {}, pages=len(sheets))
