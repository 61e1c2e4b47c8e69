"""Scans from the window's own key events: the fallback when no scanner is grabbed with evdev.

An application-wide event filter feeds every typed character, with Qt's event timestamp, to
:class:`~kiosk_app.core.scan_timing.ScanDetector`. When a fast burst ends with the suffix, the
filter swallows that suffix key (so Enter does not also press a focused button) and emits
``scan_received``. The burst's characters may already have reached a focused text field; the
screen clears it on ``scan_received``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk_app.core.scan_timing import ScanDetector, ScanTiming
from kiosk_app.settings import ScannerSection

_SUFFIX_KEYS = {
    Qt.Key.Key_Return: "\r",
    Qt.Key.Key_Enter: "\r",
    Qt.Key.Key_Tab: "\t",
}


class ScanInputFilter(QObject):
    """Install with ``QApplication.instance().installEventFilter(filter)``."""

    scan_received = Signal(str)

    def __init__(self, timing: ScanTiming | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = ScanDetector(timing or ScanTiming())
        self._last_target: QWidget | None = None
        self._last_signature: tuple[int, int, str] | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        # A key press passes the window, then the focus widget, then (if not accepted) the
        # widget's parents: count it once, where it is delivered. Never de-duplicate by
        # timestamp or key: a scanner sends "00" within one millisecond, and dropping a digit
        # could turn one exam's number into another's.
        if not isinstance(watched, QWidget):
            return False  # the window-system window that forwards it to a widget
        signature = (event.timestamp(), event.key(), event.text())
        last = self._last_target
        try:
            propagated = (
                last is not None
                and last is not watched
                and signature == self._last_signature
                and watched.isAncestorOf(last)
            )
        except RuntimeError:  # the last target was deleted since
            propagated = False
        if propagated:
            return False
        self._last_target, self._last_signature = watched, signature
        char = _SUFFIX_KEYS.get(Qt.Key(event.key()), event.text())
        if len(char) != 1:
            return False
        now = event.timestamp() / 1000.0 if event.timestamp() else time.monotonic()
        code = self.detector.feed(char, now)
        if code is not None:
            self.scan_received.emit(code)
            return True
        return False


def timing_from_settings(section: ScannerSection) -> ScanTiming:
    return ScanTiming(
        inter_key=section.inter_key_ms / 1000.0,
        min_length=section.min_length,
        suffix="\t" if section.suffix == "tab" else "\r",
        prefix=section.prefix,
    )


def install_keyboard_scans(
    section: ScannerSection, on_scan: Callable[[str], None], parent: QObject
) -> ScanInputFilter | None:
    """With ``scanner.backend = keyboard``: an application-wide filter handing scans to
    ``on_scan``. It lives as long as ``parent``."""
    app = QApplication.instance()
    if section.backend != "keyboard" or app is None:
        return None
    scans = ScanInputFilter(timing_from_settings(section), parent)
    scans.scan_received.connect(on_scan)
    app.installEventFilter(scans)
    return scans
