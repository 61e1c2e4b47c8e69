"""The kiosk window: the patient flow (home → finding → exams → printing → result) and the
nurses' maintenance mode, in one stack.

Screens never build services: they get a :class:`VisitBridge` (and, for maintenance, the
kiosk's maintenance and health services through a :class:`Worker`). Nothing patient-specific
stays on a screen after the visit: returning home (after the result, on cancel, or on idle)
clears every screen and drops the visit from memory.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLayout,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.core import messages
from kiosk_app.core.models import ItemKind, JobState, PrintSummary
from kiosk_app.core.pin import PinGate
from kiosk_app.core.session import (
    Activity,
    ApplyLooks,
    Audit,
    CallNurse,
    CardRefused,
    CheckStaffCard,
    ChooseContrast,
    ChooseLanguage,
    CornerTap,
    Effect,
    Event,
    LookupFailed,
    MoreTime,
    NurseDone,
    NurseJobs,
    OpenKeypad,
    PatientLeaves,
    PinAnswered,
    PrinterFault,
    PrintFailed,
    PrintFinished,
    PrintProgress,
    PrintRequested,
    Reset,
    Scan,
    SessionConfig,
    SessionModel,
    SessionState,
    StaffCheck,
    StaffCheckFailed,
    StartLookup,
    StartPrint,
    State,
    Tick,
    Transition,
    VisitFound,
    WipePatientData,
)
from kiosk_app.ui.bridge import FoundVisit, VisitBridge, Worker
from kiosk_app.ui.maintenance.login import LoginScreen
from kiosk_app.ui.screens.common import HIGH_CONTRAST, NORMAL, button, label
from kiosk_app.ui.screens.home import LONG_PRESS_MS, HomeScreen
from kiosk_app.ui.screens.keypad import KeypadScreen
from kiosk_app.ui.screens.visit import ExamsScreen, FindingScreen, PrintingScreen, ResultScreen
from kiosk_app.ui.translator import install_translator, tr
from kiosk_app.ui.widgets.header import Header

if TYPE_CHECKING:
    from kiosk_app.app import Kiosk
    from kiosk_app.health.endpoint import HealthEndpoint
    from kiosk_app.services.voice import VoicePrompts
    from kiosk_app.ui.fullscreen import ScreenFiller
    from kiosk_app.ui.maintenance.panel import MaintenancePanel

log = logging.getLogger(__name__)

#: the countdown shown before an idle reset (UI_GUIDE: announced 10 s before)
COUNTDOWN_S = 10
#: how often the session's clock ticks (its countdowns show whole seconds)
TICK_MS = 250


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
    """The whole patient flow, and maintenance mode behind a long press and a PIN.

    What shows, when a visit ends, whose answer counts and who comes first are the session
    model's (:mod:`kiosk_app.core.session`): every tap, code, answer and tick goes to it as an
    event, and the window runs the effects it returns and shows the state it is in.
    """

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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.bridge = bridge
        #: spoken prompts per patient screen (None or disabled: silent)
        self.voice = voice
        #: the PIN and staff cards (checked on the worker: scrypt)
        self.pin_gate = pin_gate or PinGate("", 300)
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
        self._closed = False
        self._clock = clock
        #: seconds added to ``clock`` (:meth:`advance_clock`: tests, screenshots)
        self._clock_offset = 0.0
        self.session = SessionModel(
            SessionConfig(
                idle_timeout_s=idle_timeout_s,
                result_hold_s=result_hold_s,
                staff_cards=bool(self.pin_gate.cards),
                language=locale,
                high_contrast=high_contrast,
            ),
            self.now,
        )
        self._events: deque[Event] = deque()
        self._sending = False
        #: the visit each look-up and print was started for, oldest first: the bridge runs
        #: one task at a time, in order, so each answer is the oldest one's
        self._finds: deque[int] = deque()
        self._prints: deque[int] = deque()
        #: each print job's visit and kind, from its "submitted" report
        self._jobs: dict[int, tuple[int, ItemKind]] = {}
        #: the exams an answer brought, shown if the model takes the answer
        self._arrived: FoundVisit | None = None
        #: the staff-card check the login screen runs now
        self._login_ticket = 0
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
            from kiosk_app.ui.maintenance.panel import JamGuide, MaintenancePanel

            printers = kiosk.settings.printers
            guides = {
                role: JamGuide(section.model, section.jam_steps, section.jam_pictures)
                for role, section in (("report", printers.report), ("film", printers.film))
            }
            self.panel = MaintenancePanel(
                kiosk.maintenance,
                kiosk.health,
                kiosk.store,
                kiosk.visit,
                self.worker,
                locale,
                jam_guides=guides,
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
        #: the hospital's name, the clock and the visit's steps, over every screen
        self.header = Header(hospital)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # The screen's size wins: no screen's content may grow the window past it (a list
        # scrolls, a row wraps instead). Qt's default constraint made the window as large as
        # the largest screen shown so far (1920x1257 on a 1920x1080 kiosk after maintenance).
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        window_layout = self.layout()
        if window_layout is not None:
            window_layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.stack.currentChanged.connect(self._screen_changed)
        self.printing.leave_requested.connect(lambda: self._send(PatientLeaves()))
        # The nurses' corner on every patient screen (home has its own): held for 3 s, the
        # login, printing and paused included.
        self.nurse_corner = QPushButton("", self)
        self.nurse_corner.setObjectName("corner")
        self.nurse_corner.setAccessibleName(tr("mnt.title"))
        self.nurse_corner.setGeometry(0, 0, 120, 120)
        self.corner_timer = QTimer(self)
        self.corner_timer.setSingleShot(True)
        self.corner_timer.setInterval(LONG_PRESS_MS)
        self.corner_timer.timeout.connect(self.open_login)
        self.nurse_corner.pressed.connect(self.corner_timer.start)
        self.nurse_corner.released.connect(self.corner_timer.stop)
        self.stack.currentChanged.connect(self._place_corner)
        self.stack.currentChanged.connect(self._show_step)
        self.countdown = IdleCountdown(self)
        self.countdown_left = 0

        self.home.code.returnPressed.connect(self.submit)
        self.home.find_button.clicked.connect(self.submit)
        self.home.typing_requested.connect(self.open_keypad)
        self.home.language_toggled.connect(self.toggle_language)
        self.home.contrast_toggled.connect(self.toggle_contrast)
        self.home.maintenance_requested.connect(self.open_login)
        self.keypad.submitted.connect(self._keypad_submitted)
        self.keypad.cancelled.connect(lambda: self._send(PatientLeaves()))
        self.finding.cancelled.connect(lambda: self._send(PatientLeaves()))
        self.exams.cancelled.connect(lambda: self._send(PatientLeaves()))
        self.exams.print_requested.connect(self.print_selected)
        self.result.home_requested.connect(lambda: self._send(PatientLeaves()))
        self.login.cancelled.connect(lambda: self._send(NurseDone()))
        self.login.entered.connect(lambda staff: self._send(PinAnswered(True, staff)))
        self.login.failed.connect(lambda staff: self._send(PinAnswered(False, staff)))
        self.login.card_entered.connect(self._card_entered)
        self.login.card_failed.connect(self._card_failed)
        if self.panel is not None:
            self.panel.exited.connect(lambda: self._send(NurseDone()))
            self.panel.jobs_waiting.connect(lambda waiting: self._send(NurseJobs(waiting)))
            self.panel.quit_requested.connect(self.allow_close)
        bridge.found.connect(self._found)
        bridge.find_failed.connect(self._find_failed)
        bridge.progress.connect(self._progress)
        bridge.sheet_progress.connect(self._sheet_progress)
        bridge.print_finished.connect(self._print_finished)
        bridge.print_failed.connect(self._print_failed)
        self.countdown.more.clicked.connect(lambda: self._send(MoreTime()))

        #: the session's clock ticks: its deadlines (idle, countdowns) pass on a tick
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(lambda: self._send(Tick()))
        self.idle_watcher = IdleWatcher(lambda: self._send(Activity()), self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_watcher)
        self.ticker.start()
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

    # ------------------------------------------------------------------ the session
    def now(self) -> float:
        """The session's clock: seconds, monotonic."""
        return self._clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the session's clock on by ``seconds`` and let its deadlines pass (tests and
        the screenshot tool, instead of waiting)."""
        self._clock_offset += seconds
        self._send(Tick())

    def _send(self, event: Event) -> None:
        """Hand ``event`` to the session, run the effects and show the state it answers with.
        Events raised while one is handled (a synchronous answer) wait for it to be shown."""
        if self._closed:
            return
        if isinstance(event, Scan) and self.session.config.staff_cards != bool(self.pin_gate.cards):
            # the gate's cards are looked at for each code, as they were before the model
            config = replace(self.session.config, staff_cards=bool(self.pin_gate.cards))
            self.session.config = config
        self._events.append(event)
        if self._sending:
            return
        self._sending = True
        try:
            while self._events and not self._closed:
                before = self.session.state
                transition = self.session.handle(self._events.popleft())
                self._apply(before, transition)
        finally:
            self._sending = False

    def _apply(self, before: SessionState, transition: Transition) -> None:
        after = transition.state
        wiped = False
        for effect in transition.effects:
            wiped = self._run(effect) or wiped
        self._show(before, after)
        if wiped and after.state is State.HOME and self.on_idle is not None:
            self.on_idle()

    def _run(self, effect: Effect) -> bool:
        """Do what ``effect`` says; True when it wiped the visit."""
        match effect:
            case CheckStaffCard(code, ticket, counts):
                self._check_staff_card(code, ticket, counts=counts)
            case StartLookup(code, visit_id):
                self._finds.append(visit_id)
                self.bridge.find(code, self.language)
            case StartPrint(visit_id, items):
                if self.found is not None:
                    self._prints.append(visit_id)
                    self.bridge.print_planned(self.found, self.language, set(items))
            case WipePatientData():
                self._wipe()
                return True
            case ApplyLooks(language, high_contrast):
                if language != self.language:
                    self.set_language(language)
                if high_contrast != self.high_contrast:
                    self.set_high_contrast(high_contrast)
            case CallNurse(message_id):
                log.warning("a nurse is needed at this kiosk (%s)", message_id)
            case Audit(staff, action):
                self._audit(staff, action)
        return False

    def _show(self, before: SessionState, after: SessionState) -> None:
        """The screen of ``after``, filled in on the way into it."""
        state = after.state
        entered = state is not before.state
        if entered:
            screen = self._enter(before, after)
            if screen is None:
                return
            self.stack.setCurrentWidget(screen)
        elif (
            state is State.LOGIN
            and after.message_id
            and (after.message_id, after.locked_for) != (before.message_id, before.locked_for)
        ):  # a staff card refused by a locked gate (the login's own tries say their own)
            self.login.message.setText(tr(after.message_id, seconds=after.locked_for))
        self._show_countdown(after)

    def _enter(self, before: SessionState, after: SessionState) -> QWidget | None:
        state = after.state
        if state is State.HOME:
            self.home.clear()
            return self.home
        if state is State.TYPING:
            self.keypad.clear()
            return self.keypad
        if state is State.IDENTIFYING:
            self.finding.start()
            return self.finding
        if state is State.CHOOSING:
            self.finding.stop()
            self.found, self._arrived = self._arrived, None
            if self.found is not None:
                self.exams.show_visit(self.found)
            return self.exams
        if state in (State.PRINTING, State.PAUSED):
            if before.state is State.CHOOSING:
                self.printing.start()
            return self.printing
        if state is State.DONE:
            summary = PrintSummary("", list(after.outcomes))
            self._result_prompt = "done" if after.delivered else "error"
            self.found = None
            self.result.show_summary(summary, self.language)
            return self.result
        if state is State.ERROR:
            self.found = None
            self.finding.stop()
            self._result_prompt = "error"
            self.result.show_error(after.message_id, after.text, self.language)
            return self.result
        if state is State.LOGIN:
            self.finding.stop()
            self.login.clear()
            if after.message_id:
                self.login.message.setText(tr(after.message_id, seconds=after.locked_for))
            self.login.staff_id.setFocus()
            return self.login
        # maintenance
        self.finding.stop()
        if self.panel is None:
            self._send(NurseDone())  # no maintenance on this kiosk: straight back
            return None
        self.panel.open_for(after.staff, via=after.via)
        return self.panel

    def _show_countdown(self, after: SessionState) -> None:
        """ "Are you still there?" while an idle visit's deadline nears."""
        left = None
        if after.state not in (State.DONE, State.ERROR):
            left = after.seconds_left(self.now())
        if left is None:
            if self.countdown.isVisible():
                self.countdown.hide()
            return
        if not self.countdown.isVisible() or left != self.countdown_left:
            self.countdown_left = left
            self.countdown.setGeometry(self.rect())
            self.countdown.show_seconds(left, self.language)
        if not self.countdown.isVisible():
            self.countdown.show()
            self.countdown.raise_()

    def _wipe(self) -> None:
        """Every trace of the last patient removed from the screens and from memory."""
        self.found = None
        self._arrived = None
        self.bridge.visit.content.forget()  # a film composed ahead and not printed
        for screen in (self.result, self.exams, self.printing, self.finding, self.keypad):
            screen.clear()
        self.login.clear()
        if self.panel is not None:
            self.panel.clear()
        self.home.clear()

    # ------------------------------------------------------------------ patient flow
    def submit_scan(self, code: str) -> None:
        """A scanner or card reader read ``code``: the exact code, whatever the field held.

        On home, the exam list or the result it starts a visit (the previous patient's data
        is wiped); on the login screen it is a staff card or a failed try; while a visit is
        being found or printed only a staff card counts; in maintenance it is ignored.
        """
        self._send(Scan(code))

    def submit(self) -> None:
        code = self.home.code.text().strip()
        if not code or self.session.state.state is not State.HOME:
            return
        self.home.code.clear()
        self._send(Scan(code))

    def open_keypad(self) -> None:
        self._send(OpenKeypad())

    def _keypad_submitted(self, code: str) -> None:
        self.keypad.clear()
        self._send(Scan(code))

    def _check_staff_card(self, code: str, ticket: int, *, counts: bool) -> None:
        """Is ``code`` a staff card? On the login screen, the screen checks it (its lockout
        messages); elsewhere the worker does, before any patient's look-up."""
        if counts:
            self._login_ticket = ticket
            self.login.card_read(code)
            return
        gate = self.pin_gate
        self.worker.call(
            lambda: gate.check_card(code, counts=False),
            lambda answer: self._send(
                StaffCheck(ticket, answer.staff_card, answer.ok, answer.staff, answer.locked_for)
            ),
            lambda exc: self._staff_check_failed(ticket, exc),
            owner=self,
        )

    def _staff_check_failed(self, ticket: int, exc: Exception) -> None:
        log.warning("staff card check failed (%s); code not looked up", type(exc).__name__)
        self._send(StaffCheckFailed(ticket))

    def _found(self, found: FoundVisit) -> None:
        visit = self._finds.popleft() if self._finds else 0
        self._arrived = found
        self._send(VisitFound(visit))
        self._arrived = None  # not taken: a cancelled visit's, or another code's

    def _find_failed(self, message_id: str, text: str) -> None:
        visit = self._finds.popleft() if self._finds else 0
        self._send(LookupFailed(visit, message_id, text))

    def print_selected(self) -> None:
        if self.found is None:
            return
        self._send(PrintRequested(frozenset(self.exams.selected())))

    def _progress(self, event: str, data: object) -> None:
        if event != "submitted" or not isinstance(data, dict):
            return
        if not isinstance(data.get("job_id"), int):
            return
        job_id, kind, units = (
            int(data["job_id"]),
            ItemKind(str(data["kind"])),
            int(data.get("units", 0)),
        )
        visit = self._prints[0] if self._prints else 0
        self._jobs[job_id] = (visit, kind)
        now = self.session.state
        shown = now.suspended or now  # a print behind the nurse's screens shows again after
        if shown.visit_id == visit and shown.state in (State.PRINTING, State.PAUSED):
            self.printing.job_submitted(job_id, kind, units)
        self._send(PrintProgress(visit, job_id, kind, 0, units))

    def _sheet_progress(self, job_id: int, confirmed: int, units: int, state: str) -> None:
        visit, kind = self._jobs.get(job_id, (0, ItemKind.FILM))
        self.printing.sheets(job_id, confirmed, units, state)  # a job it does not show: ignored
        self._send(PrintProgress(visit, job_id, kind, confirmed, units))
        if state == JobState.PAUSED.value:
            self._send(PrinterFault(visit, "ui.printer_stopped"))

    def _print_finished(self, summary: PrintSummary) -> None:
        visit = self._prints.popleft() if self._prints else 0
        self._send(PrintFinished(visit, tuple(summary.items)))

    def _print_failed(self, message_id: str, text: str) -> None:
        visit = self._prints.popleft() if self._prints else 0
        self._send(PrintFailed(visit, message_id, text))

    def card_refused(self, message_id: str, text: str) -> None:
        """The card reader could not use a card: said on screen, unless a visit or a nurse is
        busy (a card put down while printing must not hide the printing screen)."""
        self._send(CardRefused(message_id, text))

    def go_home(self) -> None:
        """Back to the attract screen with every trace of the last patient removed."""
        self._send(Reset())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.countdown.setGeometry(self.rect())
        self._place_corner()

    def _show_step(self, _index: int = -1) -> None:
        """The header marks where the patient is: 扫码 → 确认 → 打印 → 取件 (none for nurses)."""
        current = self.stack.currentWidget()
        steps = {
            self.home: 0,
            self.keypad: 0,
            self.finding: 0,
            self.exams: 1,
            self.printing: 2,
            self.result: 3,
        }
        self.header.set_step(next((s for w, s in steps.items() if w is current), None))

    def _place_corner(self, _index: int = -1) -> None:
        """The corner overlay shows on every screen but home (its own) and the nurse's."""
        current = self.stack.currentWidget()
        own = current is self.home or current is self.login or current is self.panel
        self.nurse_corner.setVisible(not own)
        if not own:
            self.nurse_corner.raise_()
            self.countdown.raise_()

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
        self.header.retranslate()
        if self.panel is not None:
            self.panel.retranslate(self.language)
        if self.countdown.isVisible():
            self.countdown.show_seconds(self.countdown_left, self.language)

    def toggle_language(self) -> None:
        """The patient's language button: the screen, and its prompt, in the other language."""
        self._send(ChooseLanguage("en" if self.language == "zh_CN" else "zh_CN"))
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
        self._send(ChooseContrast(not self.high_contrast))

    # ------------------------------------------------------------------ maintenance
    def open_login(self) -> None:
        """The nurses' corner: the login, from whatever the patient sees."""
        self._send(CornerTap())

    def _card_entered(self, staff: str) -> None:
        """A staff card read on the login screen."""
        self._send(StaffCheck(self._login_ticket, staff_card=True, ok=True, staff=staff))

    def _card_failed(self) -> None:
        self._audit("unknown", "maintenance.card_failed")  # the card's number is never kept

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
        self._closed = True  # a staff-card check or answer still running changes nothing now
        self.ticker.stop()
        super().closeEvent(event)


class IdleWatcher(QObject):
    """Tells ``touched`` of every key press or touch anywhere in the application."""

    _ACTIVITY = (
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
    )

    def __init__(self, touched: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.touched = touched

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in self._ACTIVITY:
            self.touched()
        return False
