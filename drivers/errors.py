"""Errors raised by drivers. Each carries a stable ``code`` the application maps to messages."""

from __future__ import annotations


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
