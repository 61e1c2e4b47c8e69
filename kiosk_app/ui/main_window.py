"""The kiosk window: the patient flow (home → finding → exams → printing → result) and the
nurses' maintenance mode, in one stack.

Screens never build services: they get a :class:`VisitBridge` (and, for maintenance, the
kiosk's maintenance and health services through a :class:`Worker`). Nothing patient-specific
stays on a screen after the visit: returning home (after the result, on cancel, or on idle)
clears every screen and drops the visit from memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QFrame, QMainWindow, QStackedWidget, QVBoxLayout

from kiosk_app.core import messages
from kiosk_app.core.models import ItemKind, PrintSummary
from kiosk_app.core.pin import PinAnswer, PinGate
from kiosk_app.ui.bridge import FoundVisit, VisitBridge, Worker
from kiosk_app.ui.maintenance.login import LoginScreen
from kiosk_app.ui.screens.common import HIGH_CONTRAST, NORMAL, button, label
from kiosk_app.ui.screens.home import HomeScreen
from kiosk_app.ui.screens.keypad import KeypadScreen
from kiosk_app.ui.screens.visit import ExamsScreen, FindingScreen, PrintingScreen, ResultScreen
from kiosk_app.ui.translator import install_translator, tr

if TYPE_CHECKING:
    from kiosk_app.app import Kiosk
    from kiosk_app.health.endpoint import HealthEndpoint
    from kiosk_app.services.voice import VoicePrompts
    from kiosk_app.ui.fullscreen import ScreenFiller
    from kiosk_app.ui.maintenance.panel import MaintenancePanel

log = logging.getLogger(__name__)

#: the countdown shown before an idle reset (UI_GUIDE: announced 10 s before)
COUNTDOWN_S = 10


class IdleCountdown(QFrame):
    """ "Are you still there?" with a visible countdown and a "more time" button."""

    def __init__(self, parent: QMainWindow) -> None:
        super().__init__(parent)
        self.setObjectName("countdown")
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.text = label("", "instruction")
        layout.addWidget(self.text)
        self.more = button("", "primary")
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        self.hide()

    def show_seconds(self, seconds: int, locale: str) -> None:
        self.text.setText(tr("ui.idle_title", seconds=seconds))
        self.more.setText(tr("ui.more_time"))


class KioskWindow(QMainWindow):
    """The whole patient flow, and maintenance mode behind a long press and a PIN."""

    def __init__(
        self,
        bridge: VisitBridge,
        *,
        hospital: str,
        locale: str = messages.DEFAULT_LOCALE,
        demo_codes: Sequence[str] = (),
        idle_timeout_s: float = 60.0,
        result_hold_s: float = 15.0,
        on_idle: Callable[[], None] | None = None,
        kiosk: Kiosk | None = None,
        pin_gate: PinGate | None = None,
        high_contrast: bool = False,
        camera: bool = False,
        voice: VoicePrompts | None = None,
    ) -> None:
        super().__init__()
        self.bridge = bridge
        #: spoken prompts per patient screen (None or disabled: silent)
        self.voice = voice
        #: the PIN and staff cards (checked on the worker: scrypt)
        self.pin_gate = pin_gate or PinGate("", 300)
        #: the code being looked up (a staff-card check, then the cloud); bumped to drop answers
        self._lookup = 0
        self._pending_code = ""
        #: what the result screen says aloud: "done", or "error"
        self._result_prompt = "done"
        #: the monitoring endpoint serving this kiosk (set by create_window), for benchmarks
        self.health_endpoint: HealthEndpoint | None = None
        #: keeps the window over its whole screen in fullscreen (set by ``run``)
        self.screen_filler: ScreenFiller | None = None
        self.language = locale
        # The screens below take their text from the translator, so it comes first; Qt's
        # LanguageChange for this window is dropped (they are built in this language already).
        install_translator(locale)
        QCoreApplication.removePostedEvents(self, QEvent.Type.LanguageChange)
        self.high_contrast = high_contrast
        #: the visit on screen; dropped on the way home
        self.found: FoundVisit | None = None
        #: set by ``run`` in fullscreen: the window cannot be closed except from maintenance
        self.locked = False
        self._may_close = False
        self.setWindowTitle(hospital)
        self.setStyleSheet(HIGH_CONTRAST if high_contrast else NORMAL)
        self.stack = QStackedWidget()
        self.home = HomeScreen(hospital, demo_codes, locale, camera=camera)
        self.keypad = KeypadScreen(locale)
        self.finding = FindingScreen(locale)
        self.busy = self.finding  # the old name
        self.exams = ExamsScreen(locale)
        self.printing = PrintingScreen(locale)
        self.result = ResultScreen(locale)
        self.worker = Worker(self)
        self.login = LoginScreen(self.pin_gate, locale, self.worker)
        self.panel: MaintenancePanel | None = None
        self.kiosk = kiosk
        if kiosk is not None and kiosk.maintenance is not None:
            from kiosk_app.ui.maintenance.panel import MaintenancePanel

            self.panel = MaintenancePanel(
                kiosk.maintenance, kiosk.health, kiosk.store, kiosk.visit, self.worker, locale
            )
        #: the screens a patient (or a nurse logging in) may see, each speaking ``language``
        self.patient_screens = (
            self.home,
            self.keypad,
            self.finding,
            self.exams,
            self.printing,
            self.result,
            self.login,
        )
        for screen in self.patient_screens:
            self.stack.addWidget(screen)
        if self.panel is not None:
            self.stack.addWidget(self.panel)
        self.setCentralWidget(self.stack)
        self.stack.currentChanged.connect(self._screen_changed)
        self.countdown = IdleCountdown(self)

        self.home.code.returnPressed.connect(self.submit)
        self.home.find_button.clicked.connect(self.submit)
        self.home.typing_requested.connect(self.open_keypad)
        self.home.language_toggled.connect(self.toggle_language)
        self.home.contrast_toggled.connect(self.toggle_contrast)
        self.home.maintenance_requested.connect(self.open_login)
        self.keypad.submitted.connect(self._keypad_submitted)
        self.keypad.cancelled.connect(self.go_home)
        self.finding.cancelled.connect(self.go_home)
        self.exams.cancelled.connect(self.go_home)
        self.exams.print_requested.connect(self.print_selected)
        self.result.home_requested.connect(self.go_home)
        self.login.cancelled.connect(self.go_home)
        self.login.entered.connect(self.open_maintenance)
        self.login.failed.connect(self._pin_failed)
        self.login.card_entered.connect(self._card_entered)
        self.login.card_failed.connect(self._card_failed)
        if self.panel is not None:
            self.panel.exited.connect(self.go_home)
            self.panel.quit_requested.connect(self.allow_close)
        bridge.found.connect(self.show_exams)
        bridge.find_failed.connect(self._find_failed)
        bridge.progress.connect(self._progress)
        bridge.sheet_progress.connect(self.printing.sheets)
        bridge.print_finished.connect(self.show_summary)
        bridge.print_failed.connect(self.show_error)
        self.countdown.more.clicked.connect(self.more_time)

        self.result_timer = QTimer(self)
        self.result_timer.setSingleShot(True)
        self.result_timer.setInterval(int(result_hold_s * 1000))
        self.result_timer.timeout.connect(self.go_home)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(int(max(idle_timeout_s - COUNTDOWN_S, 1) * 1000))
        self.idle_timer.timeout.connect(self._idle)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self._count_down)
        self.countdown_left = 0
        self.idle_watcher = IdleWatcher(self.idle_timer, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_watcher)
        self.idle_timer.start()
        self.on_idle = on_idle
        self._warm_up()
        self.go_home()

    def _warm_up(self) -> None:
        """Paint every screen once off screen, with a sample progress row, so the first
        patient does not wait for fonts, glyphs and styles to load (a 50 ms stall otherwise)."""
        self.printing.job_submitted(0, ItemKind.REPORT, 1)
        self.printing.job_submitted(-1, ItemKind.FILM, 1)
        for index in range(self.stack.count()):
            screen = self.stack.widget(index)
            if screen is not None:
                screen.resize(self.size())
                screen.grab()
        self.printing.clear()

    # ------------------------------------------------------------------ patient flow
    def submit_scan(self, code: str) -> None:
        """A scanner or card reader read ``code``: the exact code, whatever the field held.

        Ignored while a visit is being found or printed and in maintenance; on the exam list or
        the result it starts the next patient's visit (the previous patient's data is wiped).
        """
        current = self.stack.currentWidget()
        if current is self.login:
            self.login.card_read(code)  # a staff card, or a failed try towards the lockout
            return
        if current in (self.finding, self.printing, self.panel):
            return
        if current is not self.home:
            self.go_home()
        self.home.code.setText(code)
        self.submit()

    def submit(self) -> None:
        code = self.home.code.text().strip()
        if not code or self.stack.currentWidget() is not self.home:
            return
        self.home.code.clear()
        self._find(code)

    def open_keypad(self) -> None:
        self.keypad.clear()
        self.stack.setCurrentWidget(self.keypad)

    def _keypad_submitted(self, code: str) -> None:
        self.keypad.clear()
        self._find(code)

    def _find(self, code: str) -> None:
        """Look ``code`` up: first among the staff cards (a staff card opens maintenance and
        never reaches the cloud), then as a patient's code."""
        self.stack.setCurrentWidget(self.finding)
        self.finding.start()
        self._lookup += 1
        self._pending_code = code
        if not self.pin_gate.cards:
            self.bridge.find(code, self.language)
            return
        lookup, gate = self._lookup, self.pin_gate
        self.worker.call(
            lambda: gate.check_card(code, counts=False),
            lambda answer: self._staff_checked(lookup, code, answer),
            lambda exc: self._staff_check_failed(lookup, exc),
            owner=self,
        )

    def _staff_checked(self, lookup: int, code: str, answer: PinAnswer) -> None:
        if lookup != self._lookup or self.stack.currentWidget() is not self.finding:
            return  # cancelled (or the window closed) meanwhile: nobody waits for it
        if not answer.staff_card:
            self.bridge.find(code, self.language)  # a patient's code
            return
        self.finding.stop()
        if answer.ok:
            self._enter_maintenance(answer.staff, "card")
            return
        self._audit(answer.staff, "maintenance.card_locked")
        self.login.clear()
        self.stack.setCurrentWidget(self.login)
        self.login.message.setText(tr("mnt.locked", seconds=answer.locked_for))

    def _staff_check_failed(self, lookup: int, exc: Exception) -> None:
        log.warning("staff card check failed (%s); code not looked up", type(exc).__name__)
        if lookup == self._lookup and self.stack.currentWidget() is self.finding:
            self.show_error("kiosk.error", "")

    def show_exams(self, found: FoundVisit) -> None:
        if self.stack.currentWidget() is not self.finding or found.code != self._pending_code:
            return  # cancelled meanwhile (or another code's answer): drop it
        self.finding.stop()
        self.found = found
        self.exams.show_visit(found)
        self.stack.setCurrentWidget(self.exams)

    def _find_failed(self, message_id: str, text: str) -> None:
        if self.stack.currentWidget() is self.finding:
            self.finding.stop()
            self.show_error(message_id, text)

    def print_selected(self) -> None:
        if self.found is None or not self.exams.selected():
            return
        selected = self.exams.selected()
        self.printing.start()
        self.stack.setCurrentWidget(self.printing)
        self.bridge.print_planned(self.found, self.language, selected)

    def _progress(self, event: str, data: object) -> None:
        if event == "submitted" and isinstance(data, dict) and isinstance(data.get("job_id"), int):
            self.printing.job_submitted(
                int(data["job_id"]), ItemKind(str(data["kind"])), int(data.get("units", 0))
            )

    def show_summary(self, summary: PrintSummary) -> None:
        self._result_prompt = "done" if summary.delivered else "error"
        self.result.show_summary(summary, self.language)
        self.found = None
        self.stack.setCurrentWidget(self.result)
        self.result_timer.start()

    def show_error(self, message_id: str, text: str) -> None:
        """One pattern: what happened, what to do, who helps, and the message id for staff."""
        if self.stack.currentWidget() in (self.login, self.panel):
            return  # a card refused while a nurse works: not the nurse's business
        self.found = None
        self.finding.stop()
        self._result_prompt = "error"
        self.result.show_error(message_id, text, self.language)
        self.stack.setCurrentWidget(self.result)
        self.result_timer.start()

    def card_refused(self, message_id: str, text: str) -> None:
        """The card reader could not use a card: said on screen, unless a visit or a nurse is
        busy (a card put down while printing must not hide the printing screen)."""
        if self.stack.currentWidget() in (self.finding, self.printing):
            return
        self.show_error(message_id, text)

    def go_home(self) -> None:
        """Back to the attract screen with every trace of the last patient removed."""
        self.result_timer.stop()
        self.countdown_timer.stop()
        self.countdown.hide()
        self.found = None
        self.bridge.visit.content.forget()  # a film composed ahead and not printed
        self._lookup += 1  # a staff-card check still running is dropped
        self._pending_code = ""
        for screen in (self.result, self.exams, self.printing, self.finding, self.keypad):
            screen.clear()
        self.login.clear()
        if self.panel is not None:
            self.panel.clear()
        self.home.clear()
        self.stack.setCurrentWidget(self.home)
        self.idle_timer.start()
        if self.on_idle is not None:
            self.on_idle()

    # ------------------------------------------------------------------ idle
    def _idle(self) -> None:
        current = self.stack.currentWidget()
        if current is self.printing or current is self.finding:
            self.idle_timer.start()  # the printer or the cloud is working for this patient
            return
        if current is self.home and not self.home.code.text():
            self.go_home()
            return
        self.countdown_left = COUNTDOWN_S
        self.countdown.setGeometry(self.rect())
        self.countdown.show_seconds(self.countdown_left, self.language)
        self.countdown.show()
        self.countdown.raise_()
        self.countdown_timer.start()

    def _count_down(self) -> None:
        self.countdown_left -= 1
        if self.countdown_left <= 0:
            self.go_home()
        else:
            self.countdown.show_seconds(self.countdown_left, self.language)

    def more_time(self) -> None:
        self.countdown_timer.stop()
        self.countdown.hide()
        self.idle_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.countdown.setGeometry(self.rect())

    # ------------------------------------------------------------------ looks and language
    def set_language(self, locale: str) -> None:
        """Speak ``locale``: its translator (assets/i18n) replaces the last one, and Qt's
        LanguageChange redraws every screen (delivered now: the patient's tap is answered
        before this returns, not on the event loop's next pass)."""
        self.language = locale
        install_translator(locale)
        # posted to the window, or to its QWindow once shown (which hands it on): any receiver
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Every screen's text again, from the installed translator."""
        for screen in self.patient_screens:
            screen.retranslate(self.language)
        if self.panel is not None:
            self.panel.retranslate(self.language)
        if self.countdown.isVisible():
            self.countdown.show_seconds(self.countdown_left, self.language)

    def toggle_language(self) -> None:
        """The patient's language button: the screen, and its prompt, in the other language."""
        self.set_language("en" if self.language == "zh_CN" else "zh_CN")
        self._screen_changed()

    # ------------------------------------------------------------------ voice
    def _screen_changed(self, _index: int = -1) -> None:
        """Say the prompt of the screen now showing; maintenance screens stop any prompt."""
        if self.voice is None:
            return
        prompt = self._prompt_of(self.stack.currentWidget())
        if prompt:
            self.voice.say(prompt, self.language)
        else:
            self.voice.stop()

    def _prompt_of(self, screen: object) -> str:
        if screen is self.result:
            return self._result_prompt
        prompts = (
            (self.home, "home"),
            (self.keypad, "keypad"),
            (self.finding, "finding"),
            (self.exams, "exams"),
            (self.printing, "printing"),
        )
        return next((prompt for widget, prompt in prompts if widget is screen), "")

    def set_high_contrast(self, on: bool) -> None:
        self.high_contrast = on
        self.setStyleSheet(HIGH_CONTRAST if on else NORMAL)

    def toggle_contrast(self) -> None:
        self.set_high_contrast(not self.high_contrast)

    # ------------------------------------------------------------------ maintenance
    def open_login(self) -> None:
        if self.stack.currentWidget() is not self.home:
            return
        self.login.clear()
        self.stack.setCurrentWidget(self.login)
        self.login.staff_id.setFocus()

    def open_maintenance(self, staff: str) -> None:
        if self.stack.currentWidget() is not self.login:
            return  # the PIN was answered after an idle reset: stay home
        if self.panel is None:
            self.go_home()
            return
        self.panel.open_for(staff)
        self.stack.setCurrentWidget(self.panel)

    def _card_entered(self, staff: str) -> None:
        """A staff card read on the login screen."""
        if self.stack.currentWidget() is self.login:
            self._enter_maintenance(staff, "card")

    def _enter_maintenance(self, staff: str, via: str) -> None:
        if self.panel is None:
            self.go_home()
            return
        self.panel.open_for(staff, via=via)
        self.stack.setCurrentWidget(self.panel)

    def _card_failed(self) -> None:
        self._audit("unknown", "maintenance.card_failed")  # the card's number is never kept

    def _pin_failed(self, staff: str) -> None:
        self._audit(staff, "maintenance.pin_failed")

    def _audit(self, staff: str, action: str) -> None:
        if self.kiosk is None:
            return
        from kiosk_app.ui.maintenance.panel import audit

        store = self.kiosk.store
        self.worker.call(
            lambda: audit(store, staff, action), lambda _v: None, lambda _e: None, owner=self
        )

    def allow_close(self) -> None:
        """Maintenance's way out to the desktop."""
        self._may_close = True
        self.close()  # the last window closed: Qt's loop ends and ``kiosk run`` returns

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.locked and not self._may_close:
            event.ignore()
            return
        self._lookup += 1  # a staff-card check still running starts no look-up now
        super().closeEvent(event)


class IdleWatcher(QObject):
    """Restarts a timer on every key press or touch anywhere in the application."""

    _ACTIVITY = (
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
    )

    def __init__(self, timer: QTimer, parent: QObject | None = None) -> None:
        super().__init__(parent or timer)
        self.timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in self._ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False
