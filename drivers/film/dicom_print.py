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

Each transfer syntax allowed is proposed in a presentation context of its own, and the print
requests go in the first one the printer accepts (:class:`DicomFilmPrinter` says why Implicit VR
comes first by default). A printer that stays silent for ``timeout`` seconds, at association or
after any request, is reported in one line naming the request and the transfer syntax.

Error codes: ``printer.unreachable`` (no association, or no answer), ``job.uncertain`` (a print
request had no answer: the film may or may not have printed), ``printer.fault``
(:class:`~drivers.errors.PrinterFaultError`: the printer reports a condition such as FILM JAM;
nothing more was printed), ``printer.rejected`` (a DIMSE failure status), ``job.unknown``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import UID, generate_uid

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


class _QuietReportedFailures(logging.Filter):
    """pynetdicom logs a refused connection, a rejected or aborted association, a connection
    the printer cut and a request left unanswered at ERROR, some with a traceback; the driver
    reports each as one PrinterError line that the kiosk handles (``printer.unreachable``...),
    so those records become DEBUG, and reach the log only when it takes DEBUG."""

    _PREFIXES = (
        "Association request failed",
        "TCP Initialisation Error",
        "No accepted presentation contexts",
        "Association Rejected",
        "Result: ",
        "Reason: ",
        "Association Aborted",
        "ACSE timeout reached",
        "DIMSE timeout reached",
        "Connection closed while waiting",
        "Connection closed before the entire PDU",
        "Network timeout reached",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        # dul logs the socket's own error (the exception itself as the message)
        cut = record.exc_info is not None and isinstance(record.exc_info[1], OSError)
        if cut or str(record.msg).startswith(self._PREFIXES):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


for _name in (
    "pynetdicom.transport", "pynetdicom.acse", "pynetdicom.association", "pynetdicom.dul",
):  # fmt: skip
    logging.getLogger(_name).addFilter(_QuietReportedFailures())

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


@dataclass(frozen=True)
class PrinterIdentity:
    """What a DICOM film printer says about itself (``kiosk selftest`` shows it to the installer).

    Attributes:
        status: its Printer Status and Printer Status Info, as for :meth:`~DicomFilmPrinter.status`.
        attributes: everything its Printer N-GET answered, as text by DICOM keyword
            (``PrinterName``, ``Manufacturer``, ``ManufacturerModelName``, ``DeviceSerialNumber``,
            ``SoftwareVersions``, ``DateOfLastCalibration``...); a printer may answer few.
        transfer_syntax: the transfer syntax the print requests go in (``implicit``/``explicit``).
        presentation_lut: whether it accepted the Presentation LUT SOP class.
    """

    status: PrinterStatus
    attributes: dict[str, str]
    transfer_syntax: str
    presentation_lut: bool

    @property
    def summary(self) -> str:
        """One line: name, make and model, serial, software, calibration, how it is spoken to."""
        a = self.attributes
        make = " ".join(filter(None, (a.get("Manufacturer"), a.get("ManufacturerModelName"))))
        calibrated = " ".join(
            filter(None, (a.get("DateOfLastCalibration"), a.get("TimeOfLastCalibration")))
        )
        parts = [
            f"printer name {a['PrinterName']}" if a.get("PrinterName") else "",
            make,
            f"serial {a['DeviceSerialNumber']}" if a.get("DeviceSerialNumber") else "",
            f"software {a['SoftwareVersions']}" if a.get("SoftwareVersions") else "",
            f"calibrated {calibrated}" if calibrated else "",
            f"{_SYNTAX_NAMES[self.transfer_syntax]}",
            "Presentation LUT supported" if self.presentation_lut else "no Presentation LUT",
        ]
        return ", ".join(p for p in parts if p)


_SYNTAX_NAMES = {"implicit": "Implicit VR Little Endian", "explicit": "Explicit VR Little Endian"}
_VERIFICATION = "1.2.840.10008.1.1"


@dataclass
class _Watch:
    """What happened while associating, to say in one line why an association failed."""

    connected: bool = False
    answer: Any = None  # the peer's A-ASSOCIATE primitive (accept or reject), if it answered

    def on_open(self, event: Any) -> None:
        self.connected = True

    def on_acse(self, event: Any) -> None:
        if type(event.primitive).__name__ == "A_ASSOCIATE":
            self.answer = event.primitive


@dataclass(frozen=True)
class _Link:
    """An established association, the transfer syntax its print requests go in, and whether
    the printer takes a Presentation LUT."""

    assoc: Any
    transfer_syntax: str
    presentation_lut: bool


class DicomFilmPrinter(FilmPrinter):
    """A film printer that is a DICOM Basic Grayscale Print SCP.

    Transfer syntaxes: each of ``transfer_syntaxes`` is proposed in a presentation context of its
    own, for the Basic Grayscale Print Management Meta SOP class (and Print Job, Presentation
    LUT), in the order given. When the printer accepts several, the print requests go in the
    first of them, the kiosk's preference (pynetdicom sends each request on the accepted context
    with the lowest id, the first proposed); when it accepts one, in that one. The default puts
    Implicit VR Little Endian first: it is the DICOM default every application entity must
    decode, the print datasets hold only standard attributes (Implicit VR loses nothing), and
    old printers that accept Explicit VR without decoding it never answer otherwise. An installer
    pins one (``("implicit",)``) for a printer that accepts both and mishandles one, or puts
    Explicit first.

    Args:
        ae_title: the printer's (called) AE title.
        host: the printer's address.
        port: the printer's port.
        calling_ae_title: the kiosk's AE title.
        session: Film Session options (copies, priority, medium, destination).
        film_box: Film Box options (magnification, densities, trim).
        presentation: Presentation LUT shape, Illumination, Reflected Ambient Light (off by
            default); sent only when the printer accepts the Presentation LUT SOP class.
        transfer_syntaxes: names from :data:`~drivers.film.datasets.TRANSFER_SYNTAXES`, most
            preferred first.
        timeout: seconds for the association and for each answer (printing a film may take a
            while on a real printer before it answers the N-ACTION). A printer silent for that
            long is reported in one line naming the request and the transfer syntax.
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
        presentation: ds.PresentationOptions | None = None,
        transfer_syntaxes: Sequence[str] = ("implicit", "explicit"),
        timeout: float = 30.0,
        event_wait: float = 0.0,
    ) -> None:
        unknown = [n for n in transfer_syntaxes if n not in ds.TRANSFER_SYNTAXES]
        if unknown or not transfer_syntaxes:
            raise ValueError(
                f"transfer syntaxes must be some of {sorted(ds.TRANSFER_SYNTAXES)}, "
                f"got {list(transfer_syntaxes)}"
            )
        self.name = ae_title
        self.host = host
        self.port = port
        self.calling_ae_title = calling_ae_title
        self.session_options = session or ds.SessionOptions()
        self.film_box_options = film_box or ds.FilmBoxOptions()
        self.presentation = presentation or ds.PresentationOptions()
        self.transfer_syntaxes = tuple(dict.fromkeys(transfer_syntaxes))
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
    def _association(
        self, *, verification: bool = False, presentation_lut: bool = False
    ) -> Iterator[_Link]:
        """An association proposing each transfer syntax in its own presentation context.

        Raises:
            PrinterError: ``printer.unreachable`` (no connection, no answer within the timeout,
                rejected, closed) or ``printer.rejected`` (print management in none of the
                transfer syntaxes offered), each in one line.
        """
        try:
            from pynetdicom import AE, evt
        except ImportError as exc:
            raise PrinterError("printer.unreachable", "pynetdicom is not installed") from exc
        ae = AE(ae_title=self.calling_ae_title)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout
        if verification:
            abstract = [_VERIFICATION]
        else:
            abstract = [ds.BASIC_GRAYSCALE_PRINT_META, ds.PRINT_JOB]
            if self.presentation.wanted or presentation_lut:
                abstract.append(ds.PRESENTATION_LUT)
        for name in self.transfer_syntaxes:  # preference order = context id order
            for uid in abstract:
                ae.add_requested_context(uid, ds.TRANSFER_SYNTAXES[name])
        watch = _Watch()
        handlers: list[Any] = [
            (evt.EVT_N_EVENT_REPORT, self._on_event),
            (evt.EVT_CONN_OPEN, watch.on_open),
            (evt.EVT_ACSE_RECV, watch.on_acse),
        ]
        started = time.monotonic()
        try:
            assoc = ae.associate(self.host, self.port, ae_title=self.name, evt_handlers=handlers)
        except Exception as exc:  # socket errors surface here on some platforms
            raise PrinterError("printer.unreachable", f"{self.where}: {exc}") from exc
        if not assoc.is_established:
            raise PrinterError("printer.unreachable", self._not_associated(watch, started))
        try:
            yield self._link(assoc, abstract[0])
        finally:
            if assoc.is_established:
                assoc.release()

    def _link(self, assoc: Any, main: str) -> _Link:
        accepted = {
            (str(cx.abstract_syntax), str(cx.transfer_syntax[0])) for cx in assoc.accepted_contexts
        }
        chosen = next(
            (n for n in self.transfer_syntaxes if (main, ds.TRANSFER_SYNTAXES[n]) in accepted), None
        )
        if chosen is None:
            assoc.abort()
            offered = ", ".join(_SYNTAX_NAMES[n] for n in self.transfer_syntaxes)
            raise PrinterError(
                "printer.rejected",
                f"{self.where}: does not accept {UID(main).name} in {offered}",
            )
        lut = any(cls == ds.PRESENTATION_LUT for cls, _ts in accepted)
        if self.presentation.wanted and not lut and main != _VERIFICATION:
            log.info("%s does not take a Presentation LUT: printing without one", self.name)
        log.debug("%s: print requests in %s", self.name, _SYNTAX_NAMES[chosen])
        return _Link(assoc, chosen, lut)

    def _not_associated(self, watch: _Watch, started: float) -> str:
        """Why no association came about, in one line."""
        offered = " or ".join(_SYNTAX_NAMES[n] for n in self.transfer_syntaxes)
        if not watch.connected:
            return f"{self.where}: cannot connect (nothing listens there, or no route)"
        answer = watch.answer
        if answer is not None and getattr(answer, "result", 0) not in (0, None):
            return (
                f"{self.where}: rejected the association ({answer.result_str}, "
                f"{answer.source_str}: {answer.reason_str}; calling AE {self.calling_ae_title})"
            )
        if answer is not None:
            return f"{self.where}: accepted none of the presentation contexts offered ({offered})"
        if time.monotonic() - started >= 0.9 * self.timeout:
            return f"{self.where}: no answer to the association request within {self.timeout:g} s"
        return f"{self.where}: closed the connection while associating"

    def _call(self, link: _Link, what: str, send: Any, *args: Any, **kwargs: Any) -> Any:
        """``send(*args, **kwargs)`` on the association; a missing answer raises.

        Raises:
            PrinterError: ``printer.unreachable``: no answer within the timeout (naming the
                request and the transfer syntax it went in), or the printer closed the
                association without answering.
        """
        started = time.monotonic()
        answer = send(*args, **kwargs)
        status = answer[0] if isinstance(answer, tuple) else answer
        if status is None or "Status" not in status:
            raise PrinterError("printer.unreachable", self._silence(link, what, started))
        return answer

    def _silence(self, link: _Link, what: str, started: float) -> str:
        if time.monotonic() - started < 0.9 * self.timeout:
            return f"{self.where}: closed the association without answering {what}"
        hint = ""
        if link.transfer_syntax == "explicit":
            hint = "; a printer that decodes only Implicit VR needs it pinned to implicit"
        return (
            f"{self.where}: no answer to {what} within {self.timeout:g} s "
            f"(sent in {_SYNTAX_NAMES[link.transfer_syntax]}{hint})"
        )

    def echo(self) -> float:
        """C-ECHO the printer (the installer's check); the round trip in seconds.

        Raises:
            PrinterError: ``printer.unreachable`` (no association or no answer) or
                ``printer.rejected`` (a failure status).
        """
        started = time.monotonic()
        with self._association(verification=True) as link:
            self._check("C-ECHO", self._call(link, "C-ECHO", link.assoc.send_c_echo))
        return time.monotonic() - started

    def identify(self) -> PrinterIdentity:
        """Everything the printer says about itself (one association, N-GET of the Printer).

        Raises:
            PrinterError: as :meth:`status` would fail, in one line.
        """
        with self._association(presentation_lut=True) as link:  # does it take one?
            attrs = self._printer_attributes(link)
        report = ds.printer_report(attrs)
        with self._lock:
            self._seen.printer = report
        return PrinterIdentity(
            self._printer_status(report),
            ds.printer_attributes(attrs),
            link.transfer_syntax,
            link.presentation_lut,
        )

    def _printer_attributes(self, link: _Link) -> Dataset | None:
        """N-GET of every Printer attribute; a printer that refuses one (dcmprscp answers 0x0105
        No Such Attribute for the optional ones it lacks) is asked for all it has (no
        Attribute Identifier List, PS3.7 10.1.2), then for the two it must answer."""
        status, attrs = None, None
        asks: tuple[list[int] | None, ...] = (ds.PRINTER_INFO_TAGS, None, ds.PRINTER_STATUS_TAGS)
        for tags in asks:  # None: no Attribute Identifier List, which asks for all
            status, attrs = self._call(
                link,
                "N-GET Printer",
                link.assoc.send_n_get,
                tags,
                ds.PRINTER,
                ds.PRINTER_INSTANCE,
                meta_uid=ds.BASIC_GRAYSCALE_PRINT_META,
            )
            if _status_text(int(status.Status))[0] != "Failure":
                return attrs
            log.debug("%s: N-GET Printer %s: 0x%04X", self.name, tags, int(status.Status))
        self._check("N-GET Printer", status)
        return attrs  # pragma: no cover - _check raised

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

    def _printer_report(self, link: _Link) -> ds.PrinterReport:
        status, attrs = self._call(
            link,
            "N-GET Printer",
            link.assoc.send_n_get,
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
            with self._association() as link:
                report = self._printer_report(link)
        except PrinterError as exc:
            log.debug("status of %s: %s", self.name, exc)
            return PrinterStatus(
                self.name, PrinterState.UNKNOWN, message=exc.detail, protocol=Protocol.DICOM
            )
        return self._printer_status(report)

    def _printer_status(self, report: ds.PrinterReport) -> PrinterStatus:
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
        with self._association() as link:
            assoc = link.assoc
            report = self._printer_report(link)
            if report.status == "FAILURE":
                raise self._fault(report, "not printing")
            session_uid = generate_uid()
            options = dataclasses.replace(
                self.session_options, label=title or self.session_options.label
            )
            status, _ = self._call(
                link,
                "N-CREATE Film Session",
                assoc.send_n_create,
                ds.film_session(options),
                ds.BASIC_FILM_SESSION,
                session_uid,
                meta_uid=meta,
            )
            self._check("N-CREATE Film Session", status)
            lut_uid = self._presentation_lut(link)
            job_id = ""
            for index, (sheet, image) in enumerate(zip(sheets, images, strict=True)):
                job_id = self._print_film(link, session_uid, sheet, image, index, lut_uid)
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

    def _presentation_lut(self, link: _Link) -> str:
        """N-CREATE the configured Presentation LUT on a printer that takes one; its uid or ""."""
        if not (self.presentation.lut_shape and link.presentation_lut):
            return ""
        uid = generate_uid()
        status, _ = self._call(
            link,
            "N-CREATE Presentation LUT",
            link.assoc.send_n_create,
            ds.presentation_lut(self.presentation.lut_shape),
            ds.PRESENTATION_LUT,
            uid,
        )
        self._check("N-CREATE Presentation LUT", status)
        return uid

    def _print_film(
        self,
        link: _Link,
        session_uid: str,
        sheet: FilmSheet,
        image: Dataset,
        index: int,
        lut_uid: str = "",
    ) -> str:
        """One film box with the sheet on it, printed; returns its job id."""
        meta = ds.BASIC_GRAYSCALE_PRINT_META
        assoc = link.assoc
        box = ds.film_box(
            session_uid,
            sheet.film_size_id,
            sheet.portrait,
            self.film_box_options,
            self.presentation if link.presentation_lut else None,
            lut_uid,
        )
        box_uid = generate_uid()
        what = f"N-CREATE Film Box {index + 1}"
        status, reply = self._call(
            link, what, assoc.send_n_create, box, ds.BASIC_FILM_BOX, box_uid, meta_uid=meta
        )
        self._check(what, status)
        image_boxes = ds.image_box_uids(reply)
        if not image_boxes:
            raise PrinterError("printer.rejected", f"{self.where}: film box without image box")
        cls, uid = image_boxes[0]
        what = f"N-SET Image Box {index + 1}"
        status, _ = self._call(link, what, assoc.send_n_set, image, cls, uid, meta_uid=meta)
        self._check(what, status)
        self._event.clear()
        what = f"print film {index + 1}"
        try:
            status, action = self._call(
                link, what, assoc.send_n_action, None, 1, ds.BASIC_FILM_BOX, box_uid, meta_uid=meta
            )
        except PrinterError as exc:
            # the print request went out and no answer came back: it may have printed
            raise PrinterError("job.uncertain", exc.detail) from exc
        code = int(status.Status)
        if _status_text(code)[0] == "Failure" and assoc.is_established:
            # Why did it fail? A printer condition (FILM JAM...) is a fault a nurse clears.
            after = self._printer_report(link)
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
            with self._association() as link:
                status, attrs = self._call(
                    link,
                    "N-GET Print Job",
                    link.assoc.send_n_get,
                    ds.PRINT_JOB_STATUS_TAGS,
                    ds.PRINT_JOB,
                    uid,
                )
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
