"""Serial scanners (USB CDC-ACM, virtual COM): codes a keyboard wedge cannot carry.

Each code ends with CR and/or LF. Bytes are UTF-8 (most scanners' "USB COM" mode); a code
that is not valid UTF-8 is read as GB 18030, which Chinese scanners use otherwise.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from drivers.base import Availability, importable
from drivers.scanner.base import Scanner, ScannerError, ScanSource

log = logging.getLogger(__name__)

MAX_CODE = 8192


def decode_payload(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


class SerialScanner(Scanner):
    """A scanner on a serial port."""

    source = ScanSource.SERIAL

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        prefix: str = "",
        idle_end: float = 0.2,
    ) -> None:
        super().__init__(prefix=prefix)
        self.port = port
        self.baudrate = baudrate
        self.idle_end = idle_end
        """A pause this long after data also ends a code (scanners set to no suffix)."""
        self._serial: Any = None
        self._buffer = bytearray()

    @classmethod
    def is_available(cls) -> Availability:
        return importable("serial", "pyserial")

    def open(self) -> None:
        import serial

        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=0.05)
        except (serial.SerialException, OSError) as exc:
            raise ScannerError("scanner.open", f"cannot open {self.port}: {exc}") from None

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _take(self) -> str | None:
        for i, byte in enumerate(self._buffer):
            if byte in (0x0D, 0x0A):
                line = bytes(self._buffer[:i])
                del self._buffer[: i + 1]
                if line:
                    return decode_payload(line)
        return None

    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        import serial

        if self._serial is None:
            self.open()
        deadline = None if timeout is None else time.monotonic() + timeout
        last_data = time.monotonic()
        while True:
            text = self._take()
            if text is not None:
                return text, ""
            try:
                chunk = self._serial.read(self._serial.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                self.close()
                raise ScannerError("scanner.lost", f"{self.port}: {exc}") from None
            now = time.monotonic()
            if chunk:
                self._buffer.extend(chunk)
                last_data = now
                if len(self._buffer) > MAX_CODE:
                    log.warning("serial scanner: %d bytes without an end; dropped", MAX_CODE)
                    self._buffer.clear()
                continue
            if self._buffer and now - last_data >= self.idle_end:
                line = bytes(self._buffer)
                self._buffer.clear()
                return decode_payload(line), ""
            if deadline is not None and now >= deadline:
                return None
