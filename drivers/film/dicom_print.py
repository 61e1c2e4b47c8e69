"""A DICOM film printer: Basic Grayscale Print Management SCU over one association per call.

The datasets come from :mod:`drivers.film.datasets`; this module only opens the association,
sends them in order and reads the answers:

1. N-GET Printer (Printer Status, Printer Status Info): a printer in FAILURE gets nothing;
2. N-CREATE Film Session (copies, priority, medium, destination);
3. per sheet: N-CREATE Film Box (``STANDARD\\1,1``, film size, orientation...), N-SET of its
   Image Box with the sheet's pixels, N-ACTION print on the film box;
4. N-DELETE of the Film Session, release.

A successful N-ACTION is the printer's confirmation that it took the film. If it answers with a
Print Job instance (printers that support the Print Job SOP class), the job id names it and
:meth:`DicomFilmPrinter.job_status` asks the printer (N-GET Execution Status) until it is DONE or
FAILURE. Otherwise the job id names the film box and the job is COMPLETED once the N-ACTION
succeeded: such printers have nothing more to say about it. The kind is in the id itself
(``pj:<uid>`` / ``fb:<uid>``), so a restarted kiosk can still reconcile a job it sent before.

N-EVENT-REPORTs from the printer (Printer WARNING/FAILURE with Printer Status Info, Print Job
DONE/FAILURE) received on any association update :meth:`status` and :meth:`job_status`.

Error codes: ``printer.unreachable`` (no association), ``job.uncertain`` (a print request had no
answer: the film may or may not have printed), ``printer.fault``
(:class:`~drivers.errors.PrinterFaultError`: the printer reports a condition such as FILM JAM;
nothing more was printed), ``printer.rejected`` (a DIMSE failure status), ``job.unknown``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from drivers.base import (
    Availability,
    FilmPrinter,
    FilmSheet,
    JobPhase,
    JobStatus,
    PrinterState,
    PrinterStatus,
    Protocol,
    importable,
)
from drivers.errors import PrinterError, PrinterFaultError
from drivers.film import datasets as ds

log = logging.getLogger(__name__)


class _QuietConnectFailures(logging.Filter):
    """pynetdicom logs a refused connection at ERROR; the driver reports it as a PrinterError
    (``printer.unreachable``) that the kiosk handles, so those records become DEBUG."""

    _PREFIXES = ("Association request failed", "TCP Initialisation Error")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith(self._PREFIXES):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("pynetdicom.transport").addFilter(_QuietConnectFailures())

_PRINTER_STATES = {
    "NORMAL": PrinterState.IDLE,
    "WARNING": PrinterState.IDLE,
    "FAILURE": PrinterState.STOPPED,
}
_EXECUTION_PHASES = {
    "PENDING": JobPhase.PENDING,
    "PRINTING": JobPhase.PROCESSING,
    "DONE": JobPhase.COMPLETED,
    "FAILURE": JobPhase.ABORTED,
}


@dataclass
class _Seen:
    """What the printer told us in N-EVENT-REPORTs (kept across associations)."""

    printer: ds.PrinterReport | None = None
    jobs: dict[str, tuple[str, str]] = field(default_factory=dict)


class DicomFilmPrinter(FilmPrinter):
    """A film printer that is a DICOM Basic Grayscale Print SCP.

    Args:
        ae_title: the printer's (called) AE title.
        host: the printer's address.
        port: the printer's port.
        calling_ae_title: the kiosk's AE title.
        session: Film Session options (copies, priority, medium, destination).
        film_box: Film Box options (magnification, densities, trim).
        timeout: seconds for the association and for each answer (printing a film may take a
            while on a real printer before it answers the N-ACTION).
        event_wait: seconds to keep the association open after each print request for the
            printer's N-EVENT-REPORT (0: do not wait; events that come anyway are still kept).
            pynetdicom serves a peer's request only while this side waits for nothing else.
    """

    def __init__(
        self,
        ae_title: str,
        host: str,
        port: int,
        *,
        calling_ae_title: str = "KIOSK",
        session: ds.SessionOptions | None = None,
        film_box: ds.FilmBoxOptions | None = None,
        timeout: float = 30.0,
        event_wait: float = 0.0,
    ) -> None:
        self.name = ae_title
        self.host = host
        self.port = port
        self.calling_ae_title = calling_ae_title
        self.session_options = session or ds.SessionOptions()
        self.film_box_options = film_box or ds.FilmBoxOptions()
        self.timeout = timeout
        self.event_wait = event_wait
        self._event = threading.Event()
        self._seen = _Seen()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.host!r}, {self.port})"

    @classmethod
    def is_available(cls) -> Availability:
        return importable("pynetdicom", "pynetdicom")

    # ------------------------------------------------------------------ association
    @contextmanager
    def _association(self) -> Iterator[Any]:
        try:
            from pynetdicom import AE, evt
        except ImportError as exc:
            raise PrinterError("printer.unreachable", "pynetdicom is not installed") from exc
        ae = AE(ae_title=self.calling_ae_title)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout
        syntaxes = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
        ae.add_requested_context(ds.BASIC_GRAYSCALE_PRINT_META, syntaxes)
        ae.add_requested_context(ds.PRINT_JOB, syntaxes)
        handlers: list[Any] = [(evt.EVT_N_EVENT_REPORT, self._on_event)]
        try:
            assoc = ae.associate(self.host, self.port, ae_title=self.name, evt_handlers=handlers)
        except Exception as exc:  # socket errors surface here on some platforms
            raise PrinterError("printer.unreachable", f"{self.where}: {exc}") from exc
        if not assoc.is_established:
            raise PrinterError("printer.unreachable", f"no association with {self.where}")
        try:
            yield assoc
        finally:
            if assoc.is_established:
                assoc.release()

    def echo(self) -> float:
        """C-ECHO the printer (the installer's check); the round trip in seconds.

        Raises:
            PrinterError: ``printer.unreachable`` (no association or no answer) or
                ``printer.rejected`` (a failure status).
        """
        import time

        try:
            from pynetdicom import AE
        except ImportError as exc:
            raise PrinterError("printer.unreachable", "pynetdicom is not installed") from exc
        ae = AE(ae_title=self.calling_ae_title)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout
        ae.add_requested_context("1.2.840.10008.1.1")  # Verification SOP Class
        started = time.monotonic()
        try:
            assoc = ae.associate(self.host, self.port, ae_title=self.name)
        except Exception as exc:
            raise PrinterError("printer.unreachable", f"{self.where}: {exc}") from exc
        if not assoc.is_established:
            raise PrinterError("printer.unreachable", f"no association with {self.where}")
        try:
            self._check("C-ECHO", assoc.send_c_echo())
        finally:
            if assoc.is_established:
                assoc.release()
        return time.monotonic() - started

    @property
    def last_event(self) -> ds.PrinterReport | None:
        """The printer's state as last reported (N-GET or N-EVENT-REPORT), if ever."""
        with self._lock:
            return self._seen.printer

    @property
    def where(self) -> str:
        return f"{self.name}@{self.host}:{self.port}"

    def _on_event(self, event: Any) -> tuple[int, Dataset | None]:
        """N-EVENT-REPORT from the printer: remember the printer's or a print job's state."""
        request = event.request
        cls = str(request.AffectedSOPClassUID)
        event_type = int(request.EventTypeID or 0)
        info = event.event_information
        with self._lock:
            if cls == ds.PRINTER:
                self._seen.printer = ds.printer_event(event_type, info)
                log.info("%s reports %s", self.name, self._seen.printer)
            elif cls == ds.PRINT_JOB:
                status = ds.PRINT_JOB_EVENTS.get(event_type, "UNKNOWN")
                text = str(info.get("ExecutionStatusInfo", "") or "") if info else ""
                self._seen.jobs[str(request.AffectedSOPInstanceUID)] = (status, text)
        self._event.set()
        return 0x0000, None

    def _check(self, what: str, status: Dataset | None) -> None:
        """Raise for a missing answer or a failure status; log a warning status."""
        if status is None or "Status" not in status:
            raise PrinterError("printer.unreachable", f"{self.where}: no answer to {what}")
        code = int(status.Status)
        if code == 0x0000:
            return
        category, text = _status_text(code)
        if category == "Warning":
            log.warning("%s: %s answered warning 0x%04X (%s)", self.name, what, code, text)
            return
        raise PrinterError(
            "printer.rejected", f"{self.where}: {what} failed with 0x{code:04X} ({text})"
        )

    def _printer_report(self, assoc: Any) -> ds.PrinterReport:
        status, attrs = assoc.send_n_get(
            ds.PRINTER_STATUS_TAGS,
            ds.PRINTER,
            ds.PRINTER_INSTANCE,
            meta_uid=ds.BASIC_GRAYSCALE_PRINT_META,
        )
        self._check("N-GET Printer", status)
        report = ds.printer_report(attrs)
        with self._lock:
            self._seen.printer = report
        return report

    def _fault(self, report: ds.PrinterReport, what: str) -> PrinterFaultError:
        terms = report.terms or (report.status,)
        return PrinterFaultError(
            "printer.fault",
            f"{self.where}: {what}: printer {report.status} {', '.join(terms)}",
            terms,
            Protocol.DICOM,
        )

    # ------------------------------------------------------------------ Printer
    def status(self) -> PrinterStatus:
        try:
            with self._association() as assoc:
                report = self._printer_report(assoc)
        except PrinterError as exc:
            log.debug("status of %s: %s", self.name, exc)
            return PrinterStatus(
                self.name, PrinterState.UNKNOWN, message=exc.detail, protocol=Protocol.DICOM
            )
        state = _PRINTER_STATES.get(report.status, PrinterState.UNKNOWN)
        return PrinterStatus(
            name=self.name,
            state=state,
            reasons=report.terms,
            message=" ".join(dict.fromkeys(filter(None, (report.status, report.info)))),
            accepting_jobs=report.status != "FAILURE",
            protocol=Protocol.DICOM,
        )

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        """Print each sheet on its own film box in one film session; return the job id.

        Raises:
            PrinterFaultError: the printer is in FAILURE, or failed a film with a fault status.
            PrinterError: unreachable, or a request failed.
        """
        if not sheets:
            raise PrinterError("printer.rejected", "no sheets to print")
        images = [self._image(sheet, index) for index, sheet in enumerate(sheets)]
        meta = ds.BASIC_GRAYSCALE_PRINT_META
        with self._association() as assoc:
            report = self._printer_report(assoc)
            if report.status == "FAILURE":
                raise self._fault(report, "not printing")
            session_uid = generate_uid()
            options = dataclasses.replace(
                self.session_options, label=title or self.session_options.label
            )
            status, _ = assoc.send_n_create(
                ds.film_session(options), ds.BASIC_FILM_SESSION, session_uid, meta_uid=meta
            )
            self._check("N-CREATE Film Session", status)
            job_id = ""
            for index, (sheet, image) in enumerate(zip(sheets, images, strict=True)):
                job_id = self._print_film(assoc, session_uid, sheet, image, index)
                log.info("%s took film %d of %d (%s)", self.name, index + 1, len(images), job_id)
            if assoc.is_established:  # the films are printed: tidying up is the printer's
                status = assoc.send_n_delete(ds.BASIC_FILM_SESSION, session_uid, meta_uid=meta)
                if status is None or int(status.get("Status", 0)) != 0:
                    log.debug("%s: N-DELETE Film Session answered %s", self.name, status)
        log.debug("job %s title %r", job_id, title)
        return job_id

    def _image(self, sheet: FilmSheet, index: int) -> Dataset:
        try:
            return ds.image_box(sheet.pixels)
        except ValueError as exc:
            raise PrinterError("printer.rejected", f"sheet {index + 1}: {exc}") from exc

    def _print_film(
        self, assoc: Any, session_uid: str, sheet: FilmSheet, image: Dataset, index: int
    ) -> str:
        """One film box with the sheet on it, printed; returns its job id."""
        meta = ds.BASIC_GRAYSCALE_PRINT_META
        box = ds.film_box(session_uid, sheet.film_size_id, sheet.portrait, self.film_box_options)
        box_uid = generate_uid()
        status, reply = assoc.send_n_create(box, ds.BASIC_FILM_BOX, box_uid, meta_uid=meta)
        self._check(f"N-CREATE Film Box {index + 1}", status)
        image_boxes = ds.image_box_uids(reply)
        if not image_boxes:
            raise PrinterError("printer.rejected", f"{self.where}: film box without image box")
        cls, uid = image_boxes[0]
        status, _ = assoc.send_n_set(image, cls, uid, meta_uid=meta)
        self._check(f"N-SET Image Box {index + 1}", status)
        self._event.clear()
        status, action = assoc.send_n_action(None, 1, ds.BASIC_FILM_BOX, box_uid, meta_uid=meta)
        code = int(status.Status) if status is not None and "Status" in status else None
        if code is None:
            # the print request went out and no answer came back: it may have printed
            raise PrinterError(
                "job.uncertain", f"{self.where}: no answer to print film {index + 1}"
            )
        if _status_text(code)[0] == "Failure" and assoc.is_established:
            # Why did it fail? A printer condition (FILM JAM...) is a fault a nurse clears.
            after = self._printer_report(assoc)
            if after.status != "NORMAL" and after.terms:
                raise self._fault(after, f"film {index + 1} not printed")
        self._check(f"N-ACTION print film {index + 1}", status)
        job_uid = ds.print_job_uid(action)
        if self.event_wait > 0:
            self._event.wait(self.event_wait)  # the reactor serves an N-EVENT-REPORT meanwhile
        return f"pj:{job_uid}" if job_uid else f"fb:{box_uid}"

    def job_status(self, job_id: str) -> JobStatus:
        kind, _, uid = job_id.partition(":")
        if kind == "fb" and uid:
            return JobStatus(JobPhase.COMPLETED, protocol=Protocol.DICOM)
        if kind != "pj" or not uid:
            raise PrinterError("job.unknown", f"not a DICOM print job id: {job_id!r}")
        with self._lock:
            seen = self._seen.jobs.get(uid)
        if seen is None or seen[0] not in ("DONE", "FAILURE"):
            with self._association() as assoc:
                status, attrs = assoc.send_n_get(ds.PRINT_JOB_STATUS_TAGS, ds.PRINT_JOB, uid)
                if status is not None and int(status.get("Status", 0)) == 0x0112:
                    raise PrinterError("job.unknown", f"no print job {uid} on {self.where}")
                self._check("N-GET Print Job", status)
            seen = (
                str(attrs.get("ExecutionStatus", "") if attrs else ""),
                str(attrs.get("ExecutionStatusInfo", "") if attrs else ""),
            )
        phase = _EXECUTION_PHASES.get(seen[0].upper())
        if phase is None:
            raise PrinterError("printer.rejected", f"print job {uid}: status {seen[0]!r}")
        info = seen[1].strip().upper()
        reasons = (info,) if info and info != "NORMAL" else ()
        return JobStatus(phase, reasons, seen[1], protocol=Protocol.DICOM)

    def cancel(self, job_id: str) -> None:
        """A film the printer took cannot be called back; a print job already done neither."""
        phase = self.job_status(job_id).phase
        if phase is JobPhase.COMPLETED:
            raise PrinterError("printer.rejected", f"job {job_id} is completed")
        log.info("job %s on %s: nothing to cancel (%s)", job_id, self.name, phase.value)


def _status_text(code: int) -> tuple[str, str]:
    from pynetdicom.status import PRINT_JOB_MANAGEMENT_SERVICE_CLASS_STATUS, code_to_category

    category = code_to_category(code)
    text = PRINT_JOB_MANAGEMENT_SERVICE_CLASS_STATUS.get(code, (category, "unknown status"))[1]
    return category, text
