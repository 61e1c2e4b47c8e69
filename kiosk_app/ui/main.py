"""``kiosk run``: the Qt application around the kiosk window."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk_app.app import Devices, build, build_devices
from kiosk_app.core import systemd
from kiosk_app.core.pin import (
    DEMO_PIN_HASH,
    DEMO_STAFF_CARD_HASH,
    DEMO_STAFF_LABEL,
    PinGate,
    StaffCard,
    staff_cards,
)
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.services.film import decoding
from kiosk_app.services.operations import EXIT_RESTART, Present
from kiosk_app.services.voice import VoicePrompts
from kiosk_app.settings import Settings
from kiosk_app.ui.bridge import VisitBridge
from kiosk_app.ui.collector import GuiThreadCollector
from kiosk_app.ui.devices import DeviceReader
from kiosk_app.ui.fullscreen import ScreenFiller
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.scan_input import install_keyboard_scans

log = logging.getLogger(__name__)

DEMO_CODES = ("DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004")


def create_window(settings: Settings, devices: Devices | None = None) -> KioskWindow:
    """The window for ``settings`` (a QApplication must exist).

    ``devices``: the scanner, ID card reader and voice prompts' player to use (tests, demo
    fakes); None: the configured ones.
    """
    kiosk = build(settings, console_log=True, devices=devices or build_devices(settings))
    # The film decoder processes take about a second to start: not on the first patient's time.
    decoding.warm_up()
    scanner, card_reader = kiosk.devices.scanner, kiosk.devices.card_reader
    prompt_player = kiosk.devices.prompt_player
    voice = VoicePrompts(prompt_player, settings.voice.directory, enabled=settings.voice.enabled)
    endpoint = HealthEndpoint.for_kiosk(kiosk, serve=False)
    bridge = VisitBridge(kiosk.visit, first_sheet=endpoint.metrics.scan_to_first_sheet.observe)
    window = KioskWindow(
        bridge,
        hospital=settings.kiosk.hospital_name,
        locale=settings.kiosk.language,
        demo_codes=DEMO_CODES if settings.demo else (),
        idle_timeout_s=settings.ui.idle_timeout,
        kiosk=kiosk,
        pin_gate=PinGate(
            _pin_hash(settings), settings.ui.pin_lockout, cards=_staff_cards(settings)
        ),
        voice=voice,
        high_contrast=settings.ui.high_contrast,
        camera=settings.scanner.backend == "camera",
    )
    if settings.health.enabled:
        try:
            endpoint.serve()
        except OSError as exc:  # the patients come first: run without the endpoint
            log.warning(
                "health endpoint not started on %s:%d: %s",
                settings.health.bind,
                settings.health.port,
                exc.strerror,
            )
    endpoint.start()
    kiosk.start_background()  # prefetch and the outbox sender (heartbeats carry the status)
    window.health_endpoint = endpoint
    # Who is at the kiosk, for the centre's remote operations (refused while someone is).
    nurse_screens = tuple(s for s in (window.login, window.panel) if s is not None)

    def screen_changed(_index: int) -> None:
        current = window.stack.currentWidget()
        who = (
            Present.NOBODY
            if current is window.home
            else Present.NURSE
            if current in nurse_screens
            else Present.PATIENT
        )
        kiosk.operations.presence.set(who)

    window.stack.currentChanged.connect(screen_changed)

    def close(*_: object) -> None:
        voice.close()
        endpoint.stop()
        kiosk.close()

    def scanned(code: str) -> None:
        window.submit_scan(code)

    install_keyboard_scans(settings.scanner, scanned, window)
    if scanner is not None and scanner.preview is not None:
        window.home.attach_camera(scanner.preview)  # a camera: its live picture on home
    reader = DeviceReader(scanner, card_reader, language=settings.kiosk.language, parent=window)
    reader.code_read.connect(scanned)
    reader.card_refused.connect(window.card_refused)
    reader.start()

    # The start-up objects (archive index, services, widgets) live as long as the kiosk: keep
    # them out of the cyclic collector, whose full passes over them stalled the screen ~80 ms.
    gc.freeze()
    collector = GuiThreadCollector(window)  # and collect only on this thread from now on

    def close_all(*_: object) -> None:
        collector.stop()
        reader.stop()
        close()

    window.destroyed.connect(close_all)
    return window


def _pin_hash(settings: Settings) -> str:
    """The configured PIN's hash; in the demo, without one, the PIN is 1234."""
    if settings.ui.staff_pin_hash or not settings.demo:
        return settings.ui.staff_pin_hash
    return DEMO_PIN_HASH


def _staff_cards(settings: Settings) -> tuple[StaffCard, ...]:
    """The configured staff cards; in the demo, without any, the card STAFF0001."""
    if settings.ui.staff_cards or not settings.demo:
        return staff_cards(settings.ui.staff_cards)
    return (StaffCard(DEMO_STAFF_LABEL, DEMO_STAFF_CARD_HASH),)


#: ``KIOSK_EXIT_AFTER_HOME=1``: quit once the home screen is shown (benchmarks/demo_setup.py,
#: scripts/demo.sh timed on a fresh machine); the kiosk itself never sets it.
EXIT_AFTER_HOME = "KIOSK_EXIT_AFTER_HOME"


def home_shown(window: KioskWindow) -> None:
    """The event loop runs, so the home screen is laid out and painted: tell systemd."""
    systemd.notify("READY=1")
    window_at, screen = window.geometry(), window.screen().geometry()
    log.info(
        "home screen shown: window %dx%d+%d+%d, screen %dx%d+%d+%d",
        *(window_at.width(), window_at.height(), window_at.x(), window_at.y()),
        *(screen.width(), screen.height(), screen.x(), screen.y()),
    )
    if os.environ.get(EXIT_AFTER_HOME) == "1":
        window.allow_close()


def run(settings: Settings) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = create_window(settings)
    if settings.ui.fullscreen:
        window.setCursor(Qt.CursorShape.BlankCursor)
        window.locked = True  # the way out is maintenance's "quit"
        # Frameless, the screen's geometry, then the fullscreen state: with or without a window
        # manager, X11 or Wayland, and again when the screen rotates or changes.
        window.screen_filler = ScreenFiller(window)
        window.screen_filler.show()
    else:
        window.resize(1280, 800)
        window.show()
    # Ctrl+C in a terminal stops the kiosk (development); in production systemd sends TERM.
    # The supervisor's stop (systemd's TERM) or Ctrl+C closes the kiosk like maintenance's
    # "quit" does: a locked window refuses every other close, and Qt 6's quit() asks first.
    signal.signal(signal.SIGINT, lambda *_: window.allow_close())
    signal.signal(signal.SIGTERM, lambda *_: window.allow_close())
    wakeup = QTimer()  # lets Python run its signal handlers while Qt's loop waits
    wakeup.start(250)
    restart = RestartWatch(window)
    wakeup.timeout.connect(restart.check)
    # systemd (Type=notify, WatchdogSec): pinged from this loop, so a frozen screen is restarted.
    # Ready once the loop runs: the home screen has been laid out and painted by then.
    QTimer.singleShot(0, lambda: home_shown(window))
    watchdog = QTimer()
    if (interval := systemd.watchdog_interval()) is not None:
        watchdog.timeout.connect(lambda: systemd.notify("WATCHDOG=1"))
        watchdog.start(int(interval * 1000))
    log.info("kiosk window shown (%s)", "fullscreen" if settings.ui.fullscreen else "windowed")
    code = app.exec()
    window.bridge.wait_idle()
    window.worker.wait_idle()
    return EXIT_RESTART if restart.restarting else int(code)


class RestartWatch:
    """Closes the window once a restart the centre asked for is due (nobody at the kiosk,
    nothing printing); the program then exits with :data:`EXIT_RESTART` and systemd starts
    it again (``Restart=always``)."""

    def __init__(self, window: KioskWindow) -> None:
        self.window = window
        self.restarting = False

    def check(self) -> None:
        kiosk = self.window.kiosk
        if self.restarting or kiosk is None or not kiosk.operations.restart_due():
            return
        self.restarting = True
        log.warning("restarting the kiosk program, as the monitoring centre asked")
        self.window.allow_close()
