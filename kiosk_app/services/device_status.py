"""One status schema for every printer: IPP reasons and DICOM Printer Status Info alike.

A CUPS queue says ``media-jam-error`` or ``toner-low-report``; a DICOM film printer says Printer
Status ``FAILURE`` with Printer Status Info ``FILM JAM``. Both become :class:`DeviceCondition`:
a common ``code`` (``media-jam``, ``toner-low``...), a :class:`Severity`, and the sentence a nurse
reads. The printing service pauses a job on an ERROR condition; health folds severities into
its levels; the maintenance screen shows the operator text.

IPP suffixes (RFC 8011 5.4.12): ``-report`` is informational, so it caps a condition at WARNING
(toner-low-report warns without stopping anything); ``-warning`` and ``-error`` keep the
condition's own severity, because CUPS' ipp backend turns a remote printer's ``media-jam-error``
into ``media-jam-warning`` while the job is stuck all the same. A keyword without a suffix is
an error in IPP's terms and keeps its own severity too.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from drivers.base import JobStatus, PrinterState, PrinterStatus, Protocol


class Severity(enum.IntEnum):
    """How much a condition matters to the kiosk."""

    INFO = 0
    """Worth knowing; nothing to do (warming up, calibrating)."""
    WARNING = 1
    """Printing goes on, but someone should act soon (toner or film low)."""
    ERROR = 2
    """Printing has stopped until a person acts (jam, out of film, cover open)."""


@dataclass(frozen=True)
class DeviceCondition:
    """One thing a printer reports, in the kiosk's own terms."""

    code: str
    """Common code, the same for IPP and DICOM (``media-jam``)."""
    severity: Severity
    text: str
    """What the nurse reads (English; screens may look up ``message_id`` instead)."""
    source: str
    """The printer's own term (``media-jam-error``, ``FILM JAM``)."""

    @property
    def message_id(self) -> str:
        return f"device.{self.code}"


# code -> (severity, operator text)
CONDITIONS: dict[str, tuple[Severity, str]] = {
    "media-jam": (Severity.ERROR, "Paper or film is jammed: open the printer and clear it."),
    "media-empty": (Severity.ERROR, "Out of paper or film: load a new box."),
    "media-needed": (Severity.ERROR, "The printer needs a different paper or film size loaded."),
    "media-low": (Severity.WARNING, "Paper or film is running low: have a new box ready."),
    "door-open": (Severity.ERROR, "A door or cover is open: close it."),
    "output-area-full": (Severity.ERROR, "The output tray is full: empty it."),
    "output-area-almost-full": (Severity.WARNING, "The output tray is almost full."),
    "toner-low": (Severity.WARNING, "Toner is low: order a cartridge."),
    "toner-empty": (Severity.ERROR, "Toner is empty: replace the cartridge."),
    "marker-supply-low": (Severity.WARNING, "A supply (toner, ink, chemicals) is low."),
    "marker-supply-empty": (Severity.ERROR, "A supply (toner, ink, chemicals) is empty."),
    "marker-waste-full": (Severity.ERROR, "The waste container is full: replace it."),
    "offline": (Severity.ERROR, "The printer is offline: check its power and cable."),
    "queue-stopped": (Severity.ERROR, "The print queue was stopped after an error."),
    "warming-up": (Severity.INFO, "The printer is warming up or calibrating."),
    "printer-error": (Severity.ERROR, "The printer reports a fault: see its panel."),
    "other": (Severity.WARNING, "The printer reports a condition: see its panel."),
}

# IPP keyword (without suffix) -> code
_IPP = {
    "media-jam": "media-jam",
    "input-tray-missing": "media-needed",
    "media-empty": "media-empty",
    "media-needed": "media-needed",
    "media-low": "media-low",
    "door-open": "door-open",
    "cover-open": "door-open",
    "interlock-open": "door-open",
    "output-area-full": "output-area-full",
    "output-tray-missing": "output-area-full",
    "output-area-almost-full": "output-area-almost-full",
    "toner-low": "toner-low",
    "toner-empty": "toner-empty",
    "marker-supply-low": "marker-supply-low",
    "marker-supply-empty": "marker-supply-empty",
    "marker-waste-full": "marker-waste-full",
    "marker-waste-almost-full": "marker-supply-low",
    "offline": "offline",
    "connecting-to-device": "offline",
    "timed-out": "offline",
    "shutdown": "offline",
    "paused": "queue-stopped",
    "stopped-partly": "printer-error",
    "stopping": "printer-error",
    "fuser-over-temp": "printer-error",
    "fuser-under-temp": "warming-up",
    "spool-area-full": "printer-error",
    "other": "other",
}
_IPP_QUIET = {"none", "processing-to-stop-point", "printer-stopped", "moving-to-paused"}

# DICOM Printer Status Info defined terms (PS3.3 C.13.9.1) -> code; prefixes end with a space
_DICOM = {
    "FILM JAM": "media-jam",
    "FILM TRANSP ERR": "media-jam",
    "SUPPLY EMPTY": "media-empty",
    "SUPPLY LOW": "media-low",
    "BAD SUPPLY MGZ": "media-needed",
    "BAD RECEIVE MGZ": "output-area-full",
    "RECEIVER FULL": "output-area-full",
    "RECEIVER ERR": "output-area-full",
    "COVER OPEN": "door-open",
    "REQ MED NOT INST": "media-needed",
    "REQ MED NOT AVAI": "media-needed",
    "CHEMICALS LOW": "marker-supply-low",
    "CHEMICALS EMPTY": "marker-supply-empty",
    "CHECK CHEMISTRY": "marker-supply-low",
    "RIBBON ERROR": "marker-supply-empty",
    "FINISHER LOW": "marker-supply-low",
    "FINISHER EMPTY": "marker-supply-empty",
    "PROC OVERFLOW FL": "marker-waste-full",
    "PROC OVERFLOW HI": "marker-waste-full",
    "PRINTER OFFLINE": "offline",
    "PRINTER DOWN": "offline",
    "PROC DOWN": "offline",
    "ELEC DOWN": "offline",
    "WARMING UP": "warming-up",
    "CALIBRATING": "warming-up",
    "PRINTER INIT": "warming-up",
    "PROC INIT": "warming-up",
    "QUEUED": "warming-up",
    "PRINTER BUSY": "warming-up",
    "EMPTY ": "media-empty",
    "LOW ": "media-low",
}
_DICOM_STATUS = {"NORMAL": Severity.INFO, "WARNING": Severity.WARNING, "FAILURE": Severity.ERROR}


def _condition(code: str, severity: Severity | None, source: str) -> DeviceCondition:
    own, text = CONDITIONS[code]
    return DeviceCondition(code, own if severity is None else severity, text, source)


def ipp_condition(reason: str) -> DeviceCondition | None:
    """One IPP printer-state-reasons keyword; None for keywords that say nothing."""
    reason = reason.strip()
    if not reason or reason in _IPP_QUIET or reason.startswith(("cups-", "com.")):
        return None
    base, suffix = reason, ""
    for end in ("-error", "-warning", "-report"):
        if reason.endswith(end):
            base, suffix = reason[: -len(end)], end
            break
    code = _IPP.get(base)
    if code is None:
        severity = {"-error": Severity.ERROR, "-report": Severity.INFO}.get(
            suffix, Severity.WARNING
        )
        return DeviceCondition("other", severity, CONDITIONS["other"][1], reason)
    condition = _condition(code, None, reason)
    if suffix == "-report" and condition.severity > Severity.WARNING:
        return _condition(code, Severity.WARNING, reason)
    return condition


def dicom_condition(term: str, printer_status: str = "") -> DeviceCondition | None:
    """One DICOM Printer Status Info term, weighed with the Printer Status it came with."""
    term = term.strip().upper()
    if not term or term == "NORMAL":
        return None
    code = _DICOM.get(term)
    if code is None:
        code = next(
            (c for prefix, c in _DICOM.items() if prefix.endswith(" ") and term.startswith(prefix)),
            "printer-error",
        )
    condition = _condition(code, None, term)
    floor = _DICOM_STATUS.get(printer_status.strip().upper())
    if floor is not None and floor > condition.severity:
        return _condition(code, floor, term)
    if floor is Severity.WARNING and condition.severity is Severity.ERROR:
        # the printer itself says it still prints
        return _condition(code, Severity.WARNING, term)
    return condition


def conditions_of(
    reasons: Iterable[str], protocol: Protocol, printer_status: str = ""
) -> list[DeviceCondition]:
    """Every condition a list of reasons names, worst first, one per code."""
    found: dict[str, DeviceCondition] = {}
    for reason in reasons:
        if protocol is Protocol.DICOM:
            condition = dicom_condition(reason, printer_status)
        else:
            condition = ipp_condition(reason)
        if condition is None:
            continue
        known = found.get(condition.code)
        if known is None or condition.severity > known.severity:
            found[condition.code] = condition
    return sorted(found.values(), key=lambda c: -c.severity)


def printer_conditions(status: PrinterStatus) -> list[DeviceCondition]:
    """What a printer's status means: its reasons, plus a stopped or refusing queue."""
    dicom_status = ""
    if status.protocol is Protocol.DICOM:
        stopped = status.state is PrinterState.STOPPED
        dicom_status = "FAILURE" if stopped else ("WARNING" if status.reasons else "NORMAL")
    found = conditions_of(status.reasons, status.protocol, dicom_status)
    codes = {c.code for c in found}
    if status.state is PrinterState.STOPPED and not blocking(found):
        found.insert(0, _condition("queue-stopped", None, "stopped"))
    elif (
        status.protocol is Protocol.IPP  # a DICOM printer refuses only in FAILURE: see above
        and status.state is not PrinterState.UNKNOWN
        and not status.accepting_jobs
        and "queue-stopped" not in codes
    ):
        found.insert(
            0,
            DeviceCondition(
                "queue-stopped",
                Severity.ERROR,
                "The printer is not accepting jobs.",
                "not accepting jobs",
            ),
        )
    return found


def job_conditions(status: JobStatus) -> list[DeviceCondition]:
    """What a job's reasons mean."""
    return conditions_of(status.reasons, status.protocol)


def reason_conditions(reason: str) -> list[DeviceCondition]:
    """The conditions a job's stored reason names (IPP keywords or DICOM terms, joined by
    ``;`` or ``,``), worst first; free text that names none gives none."""
    found: dict[str, DeviceCondition] = {}
    for part in re.split(r"[;,]", reason):
        part = part.strip()
        if not part:
            continue
        base = re.sub(r"-(error|warning|report)$", "", part)
        if base in _IPP:
            condition = ipp_condition(part)
        elif part.upper() in _DICOM or part.upper().startswith(("EMPTY ", "LOW ")):
            condition = dicom_condition(part)
        else:
            continue
        if condition is not None and (
            condition.code not in found or condition.severity > found[condition.code].severity
        ):
            found[condition.code] = condition
    return sorted(found.values(), key=lambda c: -c.severity)


def blocking(conditions: Iterable[DeviceCondition]) -> list[DeviceCondition]:
    """The conditions that stop printing until a person acts."""
    return [c for c in conditions if c.severity is Severity.ERROR]


#: the media a stop for want of it means, by what the printer prints (patient message ids)
_OUT_OF_MEDIA = {"media-empty", "media-needed"}


def patient_problem(status: PrinterStatus, film: bool) -> str:
    """Why a patient cannot have an item from the printer of ``status`` now, as a message id
    (``item.printer_*``); "" when it can print. A printer that could not be asked (UNKNOWN
    and not accepting jobs: offline, unreachable) cannot be counted on either; a reachable
    DICOM printer that only leaves its status out still can."""
    if status.state is PrinterState.UNKNOWN and not status.accepting_jobs:
        return "item.printer_offline"
    stops = blocking(printer_conditions(status))
    if not stops:
        return ""
    if any(c.code in _OUT_OF_MEDIA for c in stops):
        return "item.printer_out_of_film" if film else "item.printer_out_of_paper"
    return "item.printer_fault"
