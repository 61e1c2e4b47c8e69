"""Errors of the ID card reader, each with a stable code (``idcard.*``)."""

from __future__ import annotations

from drivers.errors import DriverError


class IdCardError(DriverError):
    """Base of every ID card reader error."""


class FrameError(IdCardError):
    """Bytes on the line do not form a valid frame (bad checksum, impossible length)."""


class CardDataError(IdCardError):
    """A frame was valid but its card data cannot be read (wrong lengths, bad text block)."""


class ReaderStatusError(IdCardError):
    """The reader answered with an error status word (``status`` holds SW3)."""

    def __init__(self, code: str, detail: str, status: int) -> None:
        super().__init__(code, detail)
        self.status = status


class ReaderTimeoutError(IdCardError):
    """The reader did not answer (completely) in time."""
