"""The ID card reader on a serial port (UART, or the CDC-ACM/USB-serial tty most readers show)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from drivers.base import Availability, importable
from drivers.idcard.errors import IdCardError
from drivers.idcard.reader import IdCardReader

log = logging.getLogger(__name__)

BAUD_RATES = (115200, 57600, 38400, 19200, 9600)


class SerialIdCardReader(IdCardReader):
    """A reader on ``port`` (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``); 8N1."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 115200,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(timeout=timeout, clock=clock)
        if baudrate not in BAUD_RATES:
            raise IdCardError("idcard.baud", f"{baudrate} bps is not one the readers support")
        self.port = port
        self.baudrate = baudrate
        self._serial: Any = None

    @classmethod
    def is_available(cls) -> Availability:
        return importable("serial", "pyserial")

    def open(self) -> None:
        import serial

        try:
            self._serial = serial.Serial(
                self.port, self.baudrate, bytesize=8, parity="N", stopbits=1, timeout=0.05
            )
        except (serial.SerialException, OSError) as exc:
            raise IdCardError("idcard.port", f"cannot open {self.port}: {exc}") from None
        self._serial.reset_input_buffer()

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _port(self) -> Any:
        if self._serial is None:
            self.open()
        return self._serial

    def _send(self, data: bytes) -> None:
        import serial

        try:
            self._port().write(data)
            self._port().flush()
        except (serial.SerialException, OSError) as exc:
            raise IdCardError("idcard.port", f"writing to {self.port}: {exc}") from None

    def _receive(self, timeout: float) -> bytes:
        import serial

        port = self._port()
        try:
            port.timeout = timeout
            first = port.read(1)
            if not first:
                return b""
            port.timeout = 0
            return bytes(first + port.read(port.in_waiting or 0))
        except (serial.SerialException, OSError) as exc:
            raise IdCardError("idcard.port", f"reading from {self.port}: {exc}") from None
