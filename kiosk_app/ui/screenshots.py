"""Render every screen of the demo kiosk into PNG files, landscape and portrait.

Run: ``QT_QPA_PLATFORM=offscreen python -m kiosk_app.ui.screenshots docs/screenshots``
(writes ``<screen>-1920x1080.png`` and ``<screen>-1080x1920.png``), the paused print of a
jammed film printer among them. It drives the real window
against the demo archive, printing into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from drivers.printer.fake import FakeFault, FakeFilmPrinter
from drivers.scanner.fake import code_frame
from drivers.scanner.preview import PreviewTap
from kiosk_app.app import Devices
from kiosk_app.core.session import State
from kiosk_app.settings import load
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow

SIZES = ((1920, 1080), (1080, 1920))


def _wait(app: QApplication, done: Callable[[], bool], seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def render(app: QApplication, folder: Path, width: int, height: int) -> list[Path]:
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load(
            None,
            demo=True,
            env={
                "KIOSK_KIOSK__DATA_DIR": tmp,
                "KIOSK_HEALTH__ENABLED": "false",
                # the jammed print below gives up waiting for the nurse soon (the screens
                # after it are not held up behind it)
                "KIOSK_PRINTING__JOB_TIMEOUT": "6",
            },
        )
        window = create_window(settings, Devices())
        # the header's clock at a fixed time: the pictures change only when the screens do
        window.header.now = lambda: datetime(2024, 5, 25, 9, 30)
        window.header.tick()
        window.resize(width, height)
        window.show()

        def snap(name: str) -> None:
            _wait(app, lambda: False, 0.05)
            path = folder / f"{name}-{width}x{height}.png"
            window.grab().save(str(path))
            written.append(path)

        def on(screen: object) -> Callable[[], bool]:
            return lambda: window.stack.currentWidget() is screen

        snap("01-home")
        window.open_keypad()
        window.keypad.code.setText("DEMO00")
        snap("02-keypad")
        window.go_home()
        # As on a day shortly after the demo's CT: it is recent and ticked, the older MR is
        # behind "earlier exams" (kiosk_app/services/offer.py).
        window.bridge.visit.today = lambda: date(2024, 5, 25)
        window.submit_scan("110101196803150315")
        snap("03-finding")
        _wait(app, on(window.exams))
        snap("04-exams")
        window.exams.show_older()
        snap("04-exams-earlier")
        window.print_selected()
        _wait(app, lambda: bool(window.printing.items), 20)
        snap("05-printing")
        _wait(app, on(window.result))
        snap("06-done")
        window.go_home()
        window.submit_scan("DEMO0002")
        _wait(app, on(window.exams))
        snap("07-exams-report-not-final")
        window.advance_clock(settings.ui.idle_timeout - 10)  # ten seconds before the reset
        _wait(app, window.countdown.isVisible, 5)
        snap("08-idle-countdown")
        window.go_home()
        window.submit_scan("DEMO9999")
        _wait(app, on(window.result))
        snap("09-error")
        # A film printer jams on the first sheet: the calm paused screen with its way out,
        # then what the patient is told once the job is left for the nurse.
        film_printer = window.kiosk.film_printer if window.kiosk is not None else None
        if isinstance(film_printer, FakeFilmPrinter):
            window.go_home()
            film_printer.fail_next = FakeFault.JAM
            window.submit_scan("DEMO0003")
            _wait(app, on(window.exams))
            window.print_selected()
            _wait(app, lambda: window.session.state.state is State.PAUSED, 20)
            _wait(app, window.printing.leave.isVisible, 5)
            snap("09-printing-paused")
            _wait(app, on(window.result), 30)
            snap("09-done-not-printed")
        window.go_home()
        window.set_language("en")
        snap("10-home-english")
        window.set_language("zh_CN")
        window.set_high_contrast(True)
        snap("11-home-high-contrast")
        window.set_high_contrast(False)
        window.open_login()
        snap("12-maintenance-login")
        window.login.staff_id.setText("nurse01")
        window.login.pin.setText("1234")
        window.login.submit()
        panel = window.panel
        if panel is not None:
            _wait(app, lambda: panel.overview is not None, 20)
            snap("13-maintenance-devices")
            panel.tabs.setCurrentIndex(1)
            snap("14-maintenance-supplies")
            panel.tabs.setCurrentIndex(2)
            snap("15-maintenance-reprint")
            panel.tabs.setCurrentIndex(3)
            snap("16-maintenance-recent")
        # Last, as it adds the camera's column to home: the live picture, with a synthetic
        # frame of a QR code held up (no camera thread; the frame goes straight to the tap).
        window.go_home()
        tap = PreviewTap()
        preview = window.home.attach_camera(tap)
        _wait(app, lambda: tap.active, 5)
        tap.offer(code_frame("DEMO0001", scale=20))
        _wait(app, lambda: preview.image is not None, 5)
        snap("17-home-camera")
        _finish(window)
    return written


def _finish(window: KioskWindow) -> None:
    window.bridge.wait_idle()
    window.worker.wait_idle()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    for width, height in SIZES:
        for path in render(app, args.folder, width, height):
            print(path)
    sys.stdout.flush()
    os._exit(0)  # two windows in one process: skip shiboken's finalisation (see ui_stall.py)


if __name__ == "__main__":
    main()
