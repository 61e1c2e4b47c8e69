"""``kiosk run``: the Qt application around the kiosk window."""

from __future__ import annotations

import logging
import signal
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk_app.app import build
from kiosk_app.settings import Settings
from kiosk_app.ui.bridge import VisitBridge
from kiosk_app.ui.main_window import KioskWindow

log = logging.getLogger(__name__)

DEMO_CODES = ("DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004")


def create_window(settings: Settings) -> KioskWindow:
    """The window for ``settings`` (a QApplication must exist)."""
    kiosk = build(settings, console_log=True)
    bridge = VisitBridge(kiosk.visit)
    window = KioskWindow(
        bridge,
        hospital=settings.kiosk.hospital_name,
        locale=settings.kiosk.language,
        demo_codes=DEMO_CODES if settings.demo else (),
        idle_timeout_s=settings.ui.idle_timeout,
    )
    window.destroyed.connect(lambda *_: kiosk.close())
    return window


def run(settings: Settings) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = create_window(settings)
    if settings.ui.fullscreen:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.setCursor(Qt.CursorShape.BlankCursor)
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    # Ctrl+C in a terminal stops the kiosk (development); in production systemd sends TERM.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wakeup = QTimer()  # lets Python run its signal handlers while Qt's loop waits
    wakeup.start(250)
    wakeup.timeout.connect(lambda: None)
    log.info("kiosk window shown (%s)", "fullscreen" if settings.ui.fullscreen else "windowed")
    code = app.exec()
    window.bridge.wait_idle()
    return int(code)
