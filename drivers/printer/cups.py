"""Printers behind a CUPS queue, through pycups.

``pycups`` is imported only when a printer is used, so a machine without it can still import this
module and ask :meth:`CupsDocumentPrinter.is_available` what is missing.

Every call opens its own connection (cheap over the scheduler's socket), so one printer object may
be used from several threads. The scheduler is found from ``server`` (a socket path such as
``/run/cups/cups.sock``, or ``host[:port]``), else the ``CUPS_SERVER`` environment variable, else
the CUPS client default.

Error codes (:class:`drivers.errors.PrinterError`):

* ``printer.unreachable``: pycups is missing, or the scheduler did not answer.
* ``printer.rejected``: the queue does not exist, is not accepting jobs, or refused the request
  (also: cancelling a job that already completed).
* ``job.unknown``: no such job on this queue, or a malformed job id.
* ``job.uncertain``: CUPS ended the job as completed without knowing (its ipp backend lost the
  remote printer's job: ``cups-ipp-missing-job-history``, after the printer went away
  mid-job and came back): the sheet may or may not have printed.

* ``printer.media_unsupported`` (:class:`drivers.errors.MediaUnsupportedError`): the film
  queue's ``media-supported`` lacks the film size; raised before anything is sent.

Job phases follow IPP job-state, except that a pending job on a queue an error stopped
(job-state-reasons ``printer-stopped``) is STOPPED: it prints only after someone acts.

Film at its true size: every film job carries ``media`` (the PWG name of the sheet's film size,
:mod:`drivers.printer.media`), ``print-scaling=none`` and ``fit-to-page=false`` (so CUPS's
pdftopdf neither shrinks the page onto the queue's default paper nor enlarges it), the sheet's
``orientation-requested`` (3 portrait, 4 landscape) and ``print-color-mode=monochrome`` (films
are greyscale). Reports carry ``media=iso_a4_210x297mm`` unscaled likewise
(:func:`document_options`).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from drivers.base import (
    Availability,
    DocumentPrinter,
    FilmPrinter,
    FilmSheet,
    JobPhase,
    JobStatus,
    Printer,
    PrinterState,
    PrinterStatus,
)
from drivers.errors import MediaUnsupportedError, PrinterError
from drivers.printer import ipp
from drivers.printer.media import REPORT_MEDIA, match_media, pwg_media
from drivers.printer.sheet_pdf import sheets_to_pdf

log = logging.getLogger(__name__)

DEFAULT_PORT = 631

#: IPP job-state (RFC 8011 5.3.7) -> phase
_JOB_PHASES = {
    3: JobPhase.PENDING,
    4: JobPhase.HELD,
    5: JobPhase.PROCESSING,
    6: JobPhase.STOPPED,
    7: JobPhase.CANCELED,
    8: JobPhase.ABORTED,
    9: JobPhase.COMPLETED,
}
#: IPP printer-state -> state
_PRINTER_STATES = {3: PrinterState.IDLE, 4: PrinterState.PROCESSING, 5: PrinterState.STOPPED}

#: Seconds a printer still printing a job CUPS ended cancelled is given to finish it.
PRINTER_FINISH_S = 10.0
_JOB_ATTRIBUTES = [
    "job-state",
    "job-state-reasons",
    "job-printer-uri",
    "job-printer-state-reasons",
    "job-printer-state-message",
    "document-name-supplied",
]
_PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "marker-names",
    "marker-levels",
    "media-ready",
]
# CUPS's ipp backend could not find the remote job again: it ends the job "completed" anyway.
_LOST_HISTORY = "cups-ipp-missing-job-history"
# Printer reasons (any suffix) after which a "completed" job is checked with the printer itself:
# conditions of the paper path, or of the printer going away, during which it may have given up.
_PAPER_PATH = (
    "media-jam",
    "media-empty",
    "media-needed",
    "cover-open",
    "door-open",
    "interlock-open",
    "input-tray-missing",
    "output-area-full",
    "offline",
    "connecting-to-device",
    "timed-out",
    "shutdown",
    "other-error",
)
# CUPS's notes about a printer that forgot a job (after it restarted mid-job): they stay on the
# queue until cupsd restarts and are copied into every later job. The driver reads them on the
# job that ended (job_status); as a printer condition they say nothing a nurse could act on.
_CUPS_NOTES = frozenset({_LOST_HISTORY, "cups-ipp-conformance-failure-report"})
# Keywords that say nothing to the kiosk. CUPS 2.4 leaves "processing-to-stop-point" on jobs that
# completed normally.
_NOISE_REASONS = frozenset({"none", "processing-to-stop-point"})


def _import_cups() -> ModuleType:
    try:
        import cups  # on first use, so that is_available() can say it is missing
    except ImportError as exc:
        raise PrinterError("printer.unreachable", "pycups is not installed") from exc
    return cups


def _as_list(value: Any) -> list[Any]:
    """pycups gives a one-valued IPP attribute as a scalar and a multi-valued one as a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _reasons(*values: Any) -> tuple[str, ...]:
    """IPP reason keywords from several attributes, in order, without duplicates or noise."""
    seen: dict[str, None] = {}
    for value in values:
        for reason in _as_list(value):
            if isinstance(reason, str) and reason not in _NOISE_REASONS:
                seen.setdefault(reason, None)
    return tuple(seen)


def parse_server(server: str) -> tuple[str, int]:
    """``/path/to.sock`` -> (path, 631); ``host``, ``host:port``, ``[v6]:port`` -> (host, port).

    A ``/version=...`` suffix (allowed in CUPS_SERVER) is dropped.
    """
    server = server.strip()
    if server.startswith("/"):
        return server, DEFAULT_PORT
    server = server.split("/", 1)[0]
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif server.count(":") == 1:
        host, port = server.split(":")
    else:
        host, port = server, ""
    if not host:
        raise ValueError(f"no host in CUPS server {server!r}")
    return host, int(port) if port else DEFAULT_PORT


def _file_name(title: str) -> str:
    """A title as a file name: letters, digits, ``.``, ``_`` and ``-`` only, never empty."""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in title)
    return name.lstrip(".")[:120] or "job"


def _display(host: str, port: int) -> str:
    return host if host.startswith("/") else f"{host}:{port}"


def _resolve(server: str | None) -> tuple[str, int] | None:
    """The scheduler address to use, or None for the pycups/CUPS default."""
    if server is None:
        server = os.environ.get("CUPS_SERVER") or None
    return parse_server(server) if server else None


def _connect(address: tuple[str, int] | None) -> Any:
    cups = _import_cups()
    try:
        if address is None:
            return cups.Connection()
        host, port = address
        return cups.Connection(host=host, port=port)
    except RuntimeError as exc:  # pycups: "failed to connect to server"
        where = _display(*address) if address else "the default CUPS server"
        raise PrinterError("printer.unreachable", f"cupsd not reachable at {where}") from exc


class _CupsQueue(Printer):
    """Status, job tracking and submission shared by every printer that is a CUPS queue."""

    def __init__(self, queue: str, server: str | None = None) -> None:
        self.name = queue
        self._address = _resolve(server)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, server={self.server!r})"

    @property
    def server(self) -> str:
        """Where the scheduler is, for messages ("default" when CUPS decides)."""
        return _display(*self._address) if self._address else "default"

    @classmethod
    def is_available(cls, server: str | None = None) -> Availability:
        """Whether pycups is installed and a scheduler answers at ``server`` (see module doc)."""
        try:
            _connect(_resolve(server)).getDefault()
        except PrinterError as exc:
            return Availability(False, exc.detail)
        except Exception as exc:  # an IPP/HTTP error from a scheduler that is there but broken
            return Availability(False, f"cupsd did not answer: {exc}")
        return Availability(True)

    # ------------------------------------------------------------------ errors
    def _error(self, exc: Exception, *, job_id: str | None = None) -> PrinterError:
        """Map a pycups exception to a PrinterError with a stable code."""
        if isinstance(exc, PrinterError):
            return exc
        cups = _import_cups()
        if isinstance(exc, cups.HTTPError | RuntimeError | OSError):
            return PrinterError("printer.unreachable", f"cupsd at {self.server}: {exc}")
        if isinstance(exc, cups.IPPError):
            status, text = (*exc.args, None, "")[:2]
            if status == cups.IPP_SERVICE_UNAVAILABLE:
                return PrinterError("printer.unreachable", f"cupsd at {self.server}: {text}")
            if status == cups.IPP_NOT_FOUND:
                if job_id is not None:
                    return PrinterError("job.unknown", f"no job {job_id} on {self.name}")
                return PrinterError("printer.rejected", self._no_queue())
            return PrinterError("printer.rejected", f"queue {self.name}: {text} (IPP {status})")
        return PrinterError("printer.rejected", f"queue {self.name}: {exc}")

    def _no_queue(self) -> str:
        return f"no queue {self.name} on cupsd at {self.server}"

    def _job_number(self, job_id: str) -> int:
        try:
            number = int(job_id)
        except (TypeError, ValueError):
            number = 0
        if number <= 0:
            raise PrinterError("job.unknown", f"not a CUPS job id: {job_id!r}")
        return number

    # ------------------------------------------------------------------ Printer
    def status(self) -> PrinterStatus:
        try:
            attrs = _connect(self._address).getPrinterAttributes(
                self.name, requested_attributes=_PRINTER_ATTRIBUTES
            )
        except Exception as exc:
            error = self._error(exc)
            log.debug("status of %s: %s", self.name, error)
            return PrinterStatus(self.name, PrinterState.UNKNOWN, message=error.detail)
        names = _as_list(attrs.get("marker-names"))
        levels = _as_list(attrs.get("marker-levels"))
        return PrinterStatus(
            name=self.name,
            state=_PRINTER_STATES.get(attrs.get("printer-state", 0), PrinterState.UNKNOWN),
            reasons=tuple(
                r for r in _reasons(attrs.get("printer-state-reasons")) if r not in _CUPS_NOTES
            ),
            message=str(attrs.get("printer-state-message") or ""),
            accepting_jobs=bool(attrs.get("printer-is-accepting-jobs", False)),
            markers={str(n): int(level) for n, level in zip(names, levels, strict=False)},
            media_ready=tuple(str(m) for m in _as_list(attrs.get("media-ready"))),
        )

    def job_status(self, job_id: str) -> JobStatus:
        number = self._job_number(job_id)
        try:
            connection = _connect(self._address)
            attrs = connection.getJobAttributes(number, requested_attributes=_JOB_ATTRIBUTES)
        except Exception as exc:
            raise self._error(exc, job_id=job_id) from exc
        if not self._owns(attrs):
            raise PrinterError("job.unknown", f"job {job_id} is not on {self.name}")

        phase = _JOB_PHASES.get(attrs.get("job-state", 0))
        if phase is None:
            raise PrinterError("printer.rejected", f"job {job_id}: bad job-state {attrs!r}")
        job_reasons = _as_list(attrs.get("job-state-reasons"))
        if phase is JobPhase.PENDING and "printer-stopped" in job_reasons:
            # Waiting on a queue that an error stopped: it prints only after someone acts.
            phase = JobPhase.STOPPED
        if phase.final:
            # What the printer said when the job ended (e.g. toner-low-report); the message
            # would be stale, except for a printer that gave up ("canceled at printer").
            reasons = _reasons(job_reasons, attrs.get("job-printer-state-reasons"))
            lost = _LOST_HISTORY in reasons
            if phase is JobPhase.COMPLETED:
                # CUPS says completed, but its ipp backend may have missed that the printer
                # gave up (drivers.printer.ipp): seen after a fault, and also with no fault
                # reason left on the job. The printer itself decides. Its silence is trusted
                # only when nothing went wrong (a printer may keep no job history); after a
                # fault, or when the backend lost the printer's job (the printer went away
                # mid-job), it makes the job uncertain. (CUPS leaves
                # cups-ipp-missing-job-history on the queue, and copies it into every later
                # job, so it alone does not make a job uncertain.)
                suspect = lost or any(r.startswith(_PAPER_PATH) for r in reasons)
                remote = self._remote_outcome(connection, job_id, attrs, lost=lost, suspect=suspect)
                if remote is not None:
                    return JobStatus(remote[0], reasons, remote[1])
            if phase is not JobPhase.COMPLETED and self._printed_anyway(connection, attrs):
                # Cancelled as the printer finished it (a jam cleared as the cancel came): the
                # sheet is in the tray although CUPS ended its job cancelled.
                log.warning("job %s on %s: CUPS says %s, its printer printed it",
                            job_id, self.name, phase.value)  # fmt: skip
                return JobStatus(
                    JobPhase.COMPLETED,
                    reasons,
                    f"the printer printed it; CUPS recorded it as {phase.value}",
                )
            message = ""
            if phase is not JobPhase.COMPLETED:
                message = str(attrs.get("job-printer-state-message") or "")
            return JobStatus(phase, reasons, message)

        # A jam is a printer condition: CUPS keeps it on the printer, and copies it into the
        # job's job-printer-state-reasons. Ask the printer if this scheduler does not copy it.
        printer_reasons = attrs.get("job-printer-state-reasons")
        message = attrs.get("job-printer-state-message")
        if printer_reasons is None:
            printer = self.status()
            printer_reasons, message = list(printer.reasons), printer.message
        reasons = tuple(r for r in _reasons(job_reasons, printer_reasons) if r not in _CUPS_NOTES)
        return JobStatus(phase, reasons, str(message or ""))

    def _remote_outcome(
        self,
        connection: Any,
        job_id: str,
        attrs: Mapping[str, Any],
        *,
        lost: bool,
        suspect: bool = True,
    ) -> tuple[JobPhase, str] | None:
        """How the network printer behind the queue ended its copy of a job CUPS calls completed:
        None when it printed (or the queue is not an IPP printer: CUPS's answer is all there is),
        (CANCELED or ABORTED, why) when the printer gave up; ``job.uncertain`` when it cannot say
        (``lost``: CUPS's backend lost the printer's job, and the printer does not know it).
        When nothing made the job ``suspect`` (no fault, nothing lost), a printer that cannot
        say is taken at CUPS's word.

        The printer's job is the newest of its ended jobs with the job's title (CUPS keeps no
        job-name after a job ends; :meth:`_submit` names the document after the title)."""
        try:
            queue = connection.getPrinterAttributes(self.name, requested_attributes=["device-uri"])
            device = str(queue.get("device-uri") or "")
        except Exception as exc:
            raise self._error(exc) from exc
        went_away = PrinterError(
            "job.uncertain",
            f"job {job_id}: the printer behind {self.name} lost the job before CUPS saw it end "
            "(it went away mid-job?); it may or may not have printed",
        )
        if device.split(":", 1)[0] not in ("ipp", "ipps"):
            if lost:
                raise went_away
            return None
        title = str(attrs.get("document-name-supplied") or "").removesuffix(".pdf")
        try:
            jobs = [j for j in ipp.get_jobs(device) if title and _file_name(j.name) == title]
        except ipp.IppError as exc:
            if not suspect:
                log.info("job %s on %s: its printer cannot be asked (%s)", job_id, self.name, exc)
                return None
            raise PrinterError(
                "job.uncertain",
                f"job {job_id}: CUPS says it completed after a printer fault, and the printer "
                f"behind {self.name} cannot confirm it: {exc}",
            ) from exc
        if not jobs and lost:
            raise went_away
        if not jobs and not suspect:
            return None
        if not jobs:
            raise PrinterError(
                "job.uncertain",
                f"job {job_id}: CUPS says it completed after a printer fault, and the printer "
                f"behind {self.name} has no record of it; it may or may not have printed",
            )
        last = max(jobs, key=lambda j: j.job_id)
        if last.state == ipp.JOB_COMPLETED:
            return None
        phase = JobPhase.ABORTED if last.state == ipp.JOB_ABORTED else JobPhase.CANCELED
        why = ", ".join(r for r in last.reasons if r != "none") or phase.value
        log.warning("job %s on %s: CUPS says completed, its printer: %s", job_id, self.name, why)
        return phase, f"the printer ended it unprinted ({why}); CUPS recorded it as completed"

    def _printed_anyway(self, connection: Any, attrs: Mapping[str, Any]) -> bool:
        """Did the network printer behind the queue print a job CUPS ended cancelled or
        aborted? Only an IPP printer that says so counts: its newest ended job with the job's
        title completed, or counted a printed impression (ippeveprinter, like a printer that
        cannot stop a sheet in its paper path, ends such a job cancelled, impressions 1); one
        that cannot be asked, or has no record, leaves CUPS's answer. (CUPS's own
        job-impressions-completed cannot tell: its filters count pages the printer never had.)"""
        title = str(attrs.get("document-name-supplied") or "").removesuffix(".pdf")
        try:
            queue = connection.getPrinterAttributes(self.name, requested_attributes=["device-uri"])
            device = str(queue.get("device-uri") or "")
            if not title or device.split(":", 1)[0] not in ("ipp", "ipps"):
                return False
            # CUPS ends its job at once; the printer may still be finishing the sheet
            deadline = time.monotonic() + PRINTER_FINISH_S
            while any(
                _file_name(j.name) == title and j.state < ipp.JOB_CANCELED
                for j in ipp.get_jobs(device, which="not-completed")
            ):
                if time.monotonic() > deadline:
                    raise PrinterError(
                        "job.uncertain",
                        f"CUPS ended its job {attrs.get('job-id', '')} but the printer behind "
                        f"{self.name} is still printing it; it may print",
                    )
                time.sleep(0.2)
            jobs = [j for j in ipp.get_jobs(device) if _file_name(j.name) == title]
        except PrinterError:
            raise
        except Exception as exc:  # cannot be asked: CUPS's answer is all there is
            log.info("%s: its printer cannot say how a job ended (%s)", self.name, exc)
            return False
        if not jobs:
            return False
        last = max(jobs, key=lambda j: j.job_id)
        # a printer that could not stop the sheet records the job cancelled, but counts it
        return last.state == ipp.JOB_COMPLETED or last.impressions > 0

    def _owns(self, attrs: Mapping[str, Any]) -> bool:
        uri = attrs.get("job-printer-uri")
        return not uri or str(uri).rstrip("/").rsplit("/", 1)[-1] == self.name

    def cancel(self, job_id: str) -> None:
        number = self._job_number(job_id)
        self.job_status(job_id)  # job.unknown for another queue's job
        cups = _import_cups()
        try:
            _connect(self._address).cancelJob(number)
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == cups.IPP_NOT_POSSIBLE:
                phase = self.job_status(job_id).phase
                if phase in (JobPhase.CANCELED, JobPhase.ABORTED):
                    return  # already over: cancelling again is not an error
                raise PrinterError("printer.rejected", f"job {job_id} is {phase.value}") from exc
            raise self._error(exc, job_id=job_id) from exc
        except Exception as exc:
            raise self._error(exc, job_id=job_id) from exc
        log.info("canceled job %s on %s", job_id, self.name)

    def resume(self, job_id: str | None = None) -> None:
        """After a nurse cleared a fault: enable the queue, accept jobs, release ``job_id``.

        CUPS stops a queue whose backend reported a stopping error (and leaves its job pending,
        so enabling the queue prints that same job); a backend that asked for a retry leaves the
        job held, which only a release gets going again.
        """
        connection = _connect(self._address)
        try:
            connection.enablePrinter(self.name)
            connection.acceptJobs(self.name)
            if job_id is not None and self.job_status(job_id).phase is JobPhase.HELD:
                connection.setJobHoldUntil(self._job_number(job_id), "no-hold")
                log.info("released held job %s on %s", job_id, self.name)
        except Exception as exc:
            raise self._error(exc, job_id=job_id) from exc
        log.info("queue %s enabled and accepting jobs", self.name)

    def _queue_exists(self) -> bool:
        try:
            _connect(self._address).getPrinterAttributes(
                self.name, requested_attributes=["printer-state"]
            )
        except Exception:
            return False
        return True

    # ------------------------------------------------------------------ submission
    def _submit(self, pdf: bytes, title: str, options: Mapping[str, str] | None) -> str:
        """Send a PDF through a temporary file (pycups prints files only); return the job id."""
        connection = _connect(self._address)
        # The document is named after the title: CUPS keeps its name after the job ends (not the
        # job-name), and that is how the printer's own copy of the job is found again.
        folder = tempfile.mkdtemp(prefix="kiosk-job-")
        path = os.path.join(folder, _file_name(title) + ".pdf")
        try:
            with open(path, "wb") as file:
                file.write(pdf)
            job = connection.printFile(
                self.name, path, title, {str(k): str(v) for k, v in (options or {}).items()}
            )
        except Exception as exc:
            error = self._error(exc)
            if error.code == "printer.rejected" and not self._queue_exists():
                # CUPS says "No such file or directory" when printing to a queue it does not have
                error = PrinterError(error.code, self._no_queue())
            log.warning("%s refused a job: %s", self.name, error)
            raise error from exc
        finally:
            os.unlink(path)
            os.rmdir(folder)
        job_id = str(job)
        log.info("queued job %s on %s (%d bytes)", job_id, self.name, len(pdf))
        log.debug("job %s title %r options %r", job_id, title, options)
        return job_id


def list_queues(server: str | None = None) -> dict[str, dict[str, Any]]:
    """The queues the scheduler already has (CUPS-Get-Printers), by name.

    This lists configured queues only; it never runs device discovery (``lpinfo -v``), whose
    SNMP and DNS-SD backends would send traffic off the machine.
    """
    try:
        queues = _connect(_resolve(server)).getPrinters()
    except PrinterError:
        raise
    except Exception as exc:
        raise PrinterError("printer.unreachable", f"cupsd did not answer: {exc}") from exc
    return {str(name): dict(attrs) for name, attrs in queues.items()}


def document_options(
    *,
    media: str = REPORT_MEDIA,
    copies: int = 1,
    duplex: bool = False,
    landscape: bool = False,
    scale_to_fit: bool = False,
) -> dict[str, str]:
    """CUPS job options for a report: media, copies, sides, orientation, and no scaling.

    ``print-scaling=none`` and ``fit-to-page=false`` keep a PDF page at its own size (a report
    is already laid out for A4, ``iso_a4_210x297mm``); scaling only when asked for.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    return {
        "media": media,
        "copies": str(copies),
        "sides": "two-sided-long-edge" if duplex else "one-sided",
        "orientation-requested": "4" if landscape else "3",
        "print-scaling": "fit" if scale_to_fit else "none",
        "fit-to-page": "true" if scale_to_fit else "false",
    }


def film_options(film_size_id: str, *, portrait: bool = True) -> dict[str, str]:
    """CUPS job options for film sheets: their true size, unscaled, greyscale.

    Raises ValueError for a film size without a PWG media name.
    """
    return {
        "media": pwg_media(film_size_id),
        "print-scaling": "none",
        "fit-to-page": "false",
        "orientation-requested": "3" if portrait else "4",
        "print-color-mode": "monochrome",
    }


class CupsDocumentPrinter(_CupsQueue, DocumentPrinter):
    """A paper printer (reports) that is a CUPS queue.

    Args:
        queue: the CUPS queue name (``KioskPDF``).
        server: scheduler socket path or ``host[:port]``; None: ``CUPS_SERVER`` or the default.
    """

    def submit_pdf(self, pdf: bytes, title: str, options: Mapping[str, str] | None = None) -> str:
        """Queue a PDF; ``options`` are passed to CUPS as they are (``media``, ``sides``...)."""
        return self._submit(pdf, title, options)


class CupsFilmPrinter(_CupsQueue, FilmPrinter):
    """A film printer that is a CUPS queue: the sheets go as one PDF, a page per sheet.

    Each page has the sheet's physical size and carries its pixels losslessly (see
    :mod:`drivers.printer.sheet_pdf`).

    Every job carries :func:`film_options` for its sheets' size and orientation. Before a job
    is sent, the queue's ``media-supported`` must hold that size (by size: a queue made with
    ``-m everywhere`` lists 14x17 in as ``custom_14x17in_14x17in``; a custom range counts);
    otherwise :class:`drivers.errors.MediaUnsupportedError` and nothing is sent. A queue that
    lists no media (``-m raw``: CUPS passes the PDF on untouched) is not checked.

    Args:
        queue: the CUPS queue name (``KioskFilm``).
        server: scheduler socket path or ``host[:port]``; None: ``CUPS_SERVER`` or the default.
        options: extra CUPS job options sent with every film job; they win over
            :func:`film_options` (an installer's override, e.g. ``media-type``).
    """

    def __init__(
        self, queue: str, server: str | None = None, options: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(queue, server)
        self.options = dict(options or {})

    def media_supported(self) -> tuple[str, ...] | None:
        """The queue's ``media-supported``; None when it lists none (a raw queue)."""
        try:
            attrs = _connect(self._address).getPrinterAttributes(
                self.name, requested_attributes=["media-supported"]
            )
        except Exception as exc:
            raise self._error(exc) from exc
        media = _as_list(attrs.get("media-supported"))
        return tuple(str(m) for m in media) or None

    def check_film_size(self, film_size_id: str) -> None:
        try:
            media = pwg_media(film_size_id)
        except ValueError as exc:
            raise PrinterError("printer.rejected", str(exc)) from exc
        supported = self.media_supported()
        if supported is None:
            log.debug("%s lists no media-supported: %s not checked", self.name, film_size_id)
            return
        found = match_media(media, supported)
        if not found.ok:
            raise MediaUnsupportedError(self.name, film_size_id, media, supported)
        log.debug("%s prints %s as %s", self.name, media, found.supported)

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        if not sheets:
            raise PrinterError("printer.rejected", "no sheets to print")
        first = sheets[0]
        if any(
            (s.film_size_id, s.portrait) != (first.film_size_id, first.portrait) for s in sheets
        ):
            # One job has one media: the printing service sends a sheet per job anyway.
            log.warning("%s: a job of mixed film sizes goes on %s", self.name, first.film_size_id)
        try:
            options = {**film_options(first.film_size_id, portrait=first.portrait), **self.options}
        except ValueError as exc:
            raise PrinterError("printer.rejected", f"cannot print these sheets: {exc}") from exc
        for size in dict.fromkeys(s.film_size_id for s in sheets):
            self.check_film_size(size)
        try:
            pdf = sheets_to_pdf(sheets, title)
        except ValueError as exc:
            raise PrinterError("printer.rejected", f"cannot print these sheets: {exc}") from exc
        return self._submit(pdf, title, options)
