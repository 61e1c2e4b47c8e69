"""Errors raised by drivers. Each carries a stable ``code`` the application maps to messages."""

from __future__ import annotations

from drivers.base import Protocol


class DriverError(Exception):
    """Base of every driver error.

    Args:
        code: stable, machine-readable reason (``"printer.unreachable"``, ``"job.unknown"``).
        detail: operator-facing detail in English; never patient data.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class PrinterError(DriverError):
    """A printer could not be reached, refused a job, or lost track of one."""


class PrinterFaultError(PrinterError):
    """The printer refused or dropped a job because of a condition a person can clear.

    ``reasons`` are the printer's own terms (IPP keywords, or DICOM Printer Status Info such as
    ``FILM JAM``); the job should wait for a nurse rather than fail.
    """

    def __init__(
        self,
        code: str,
        detail: str,
        reasons: tuple[str, ...] = (),
        protocol: Protocol = Protocol.IPP,
    ) -> None:
        super().__init__(code, detail)
        self.reasons = reasons
        self.protocol = protocol


class MediaUnsupportedError(PrinterError):
    """The printer cannot print this film or paper size at its true size; nothing was sent.

    ``size`` is what was asked (a DICOM Film Size ID such as ``14INX17IN``), ``media`` its PWG
    name, ``supported`` what the printer offers instead (its own names).
    """

    def __init__(
        self, printer: str, size: str, media: str, supported: tuple[str, ...] = ()
    ) -> None:
        offered = ", ".join(supported) or "nothing"
        super().__init__(
            "printer.media_unsupported",
            f"{printer} cannot print {size} ({media}) at its true size; it offers {offered}",
        )
        self.printer = printer
        self.size = size
        self.media = media
        self.supported = supported
