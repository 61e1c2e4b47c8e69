"""USB keyboard-wedge scanners read with evdev, with an exclusive grab.

The device is opened by its stable path (``/dev/input/by-id/usb-<vendor>_<model>-event-kbd``)
and grabbed (EVIOCGRAB), so its keystrokes never reach X/Wayland or Qt: a scan cannot type
into whatever has focus. The kiosk user needs read access to the device (the installer's udev
rule puts it in the kiosk's group).
"""

from __future__ import annotations

import contextlib
import logging
import select
import time
from typing import Any

from drivers.base import Availability, importable
from drivers.scanner.base import Scanner, ScannerError, ScanSource
from drivers.scanner.keymap import KeyDecoder

log = logging.getLogger(__name__)

_EV_KEY = 1


class HidScanner(Scanner):
    """A keyboard-wedge scanner on ``path``, grabbed while open."""

    source = ScanSource.HID

    def __init__(
        self, path: str, *, suffix: str = "enter", prefix: str = "", idle_flush: float = 0.1
    ) -> None:
        super().__init__(prefix=prefix)
        self.path = path
        self.idle_flush = idle_flush
        """With suffix ``none``: a pause this long ends a scan."""
        self._keys = KeyDecoder(suffix)
        self._device: Any = None

    @classmethod
    def is_available(cls) -> Availability:
        return importable("evdev", "evdev")

    def open(self) -> None:
        import evdev

        try:
            device = evdev.InputDevice(self.path)
        except FileNotFoundError:
            raise ScannerError("scanner.not_found", f"{self.path}: no such device") from None
        except PermissionError:
            raise ScannerError(
                "scanner.permission", f"{self.path}: permission denied (udev rule, input group)"
            ) from None
        except OSError as exc:
            raise ScannerError("scanner.open", f"{self.path}: {exc}") from None
        try:
            device.grab()
        except OSError as exc:
            device.close()
            raise ScannerError(
                "scanner.busy", f"{self.path}: cannot grab it exclusively ({exc})"
            ) from None
        self._device = device
        log.info("HID scanner %s grabbed", device.name)

    def close(self) -> None:
        if self._device is None:
            return
        with contextlib.suppress(OSError):  # unplugged: nothing to release
            self._device.ungrab()
        self._device.close()
        self._device = None

    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        if self._device is None:
            self.open()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = self.idle_flush if self._keys.pending else None
            if deadline is not None:
                left = max(0.0, deadline - time.monotonic())
                wait = left if wait is None else min(wait, left)
            ready, _, _ = select.select([self._device.fd], [], [], wait)
            if not ready:
                if self._keys.pending and self._keys.suffix == "none":
                    text = self._keys.flush()
                    if text:
                        return text, ""
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            try:
                events = list(self._device.read())
            except BlockingIOError:
                continue
            except OSError as exc:
                self.close()
                raise ScannerError("scanner.lost", f"{self.path}: {exc}") from None
            for event in events:
                if event.type != _EV_KEY:
                    continue
                text = self._keys.feed(event.code, event.value)
                if text:
                    return text, ""
