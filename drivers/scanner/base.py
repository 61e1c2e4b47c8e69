"""What every scanner backend shares: the scan it hands over, and suffix/prefix handling."""

from __future__ import annotations

import abc
import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.base import Availability
from drivers.errors import DriverError

if TYPE_CHECKING:
    from drivers.scanner.preview import PreviewTap

log = logging.getLogger(__name__)


class ScannerError(DriverError):
    """A scanner could not be opened or stopped answering (``scanner.*`` codes)."""


class ScanSource(enum.Enum):
    """Which kind of device a scan came from."""

    HID = "hid"
    """A USB keyboard-wedge scanner read through evdev with an exclusive grab."""
    KEYBOARD = "keyboard"
    """Key events of the window, told apart from typing by their timing."""
    SERIAL = "serial"
    """A serial (CDC-ACM, virtual COM) scanner."""
    CAMERA = "camera"
    """A camera frame decoded by the kiosk."""
    FAKE = "fake"
    """The demo or a test."""


@dataclass(frozen=True)
class Scan:
    """One complete code read by a scanner, without its prefix and suffix."""

    text: str
    source: ScanSource
    symbology: str = ""


class Scanner(abc.ABC):
    """A device that hands over complete scans.

    Backends implement :meth:`_read_raw`; the base strips the configured prefix, drops empty
    reads and logs only the length of what was read (a scan may be an ID number).
    """

    source: ScanSource = ScanSource.FAKE
    #: a camera's live picture for the screen; None for scanners that see nothing
    preview: PreviewTap | None = None

    def __init__(self, *, prefix: str = "") -> None:
        self.prefix = prefix

    @classmethod
    def is_available(cls) -> Availability:
        """Whether this backend's libraries are present (what is missing if not)."""
        return Availability(True)

    def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the device; raise ScannerError when it cannot be used."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device."""

    def read(self, timeout: float | None = None) -> Scan | None:
        """The next scan, or None when nothing complete arrived within ``timeout`` seconds."""
        raw = self._read_raw(timeout)
        if raw is None:
            return None
        text, symbology = raw
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        text = text.strip("\r\n")
        if not text:
            return None
        log.debug("%s scan of %d characters", self.source.value, len(text))
        return Scan(text, self.source, symbology)

    @abc.abstractmethod
    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        """(text, symbology) of the next complete read, or None on time-out."""

    def __enter__(self) -> Scanner:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
