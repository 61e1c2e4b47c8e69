"""The kiosk window: home, busy, result. Plain for now; large, calm and bilingual.

Screens never build services: they get a :class:`VisitBridge`. Nothing patient-specific stays on
a screen after the visit: returning home (after the result, or on idle) clears every label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.core import messages
from kiosk_app.core.models import ItemState, PrintSummary
from kiosk_app.ui.bridge import VisitBridge

if TYPE_CHECKING:
    from kiosk_app.health.endpoint import HealthEndpoint

STYLE = """
QWidget { background: #ffffff; color: #111111; font-size: 32px; }
QLabel#instruction { font-size: 64px; font-weight: bold; }
QLabel#hospital { font-size: 40px; color: #333333; }
QLabel#result { font-size: 36px; }
QLabel#small { font-size: 24px; color: #444444; }
QLineEdit { font-size: 48px; min-height: 120px; border: 3px solid #555555; padding: 0 16px; }
QPushButton { font-size: 48px; min-height: 120px; min-width: 240px;
              background: #0b57d0; color: #ffffff; border-radius: 12px; }
QPushButton:focus { border: 4px solid #111111; }
"""


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if name:
        label.setObjectName(name)
    return label


class HomeScreen(QWidget):
    """One instruction, the code field (the keyboard acts as the scanner), demo codes."""

    def __init__(self, hospital: str, demo_codes: Sequence[str], locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setSpacing(40)
        layout.addWidget(_label(hospital, "hospital"))
        self.instruction = _label(messages.text("ui.instruction", locale), "instruction")
        layout.addWidget(self.instruction)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText(messages.text("ui.type_code", locale))
        self.code.setMaxLength(64)
        self.print_button = QPushButton(messages.text("ui.print", locale))
        row.addWidget(self.code, 3)
        row.addSpacing(24)
        row.addWidget(self.print_button, 1)
        layout.addLayout(row)
        self.demo = _label(
            messages.text("ui.demo_codes", locale) + "  ".join(demo_codes) if demo_codes else "",
            "small",
        )
        layout.addWidget(self.demo)
        layout.addStretch(1)
        layout.addWidget(_label(messages.text("ui.staff_help", locale), "small"))

    def clear(self) -> None:
        self.code.clear()
        self.code.setFocus()


class BusyScreen(QWidget):
    def __init__(self, locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(_label(messages.text("ui.searching", locale), "instruction"))
        layout.addStretch(1)


class ResultScreen(QWidget):
    """What was printed, what was not and why, and a message id for staff on errors."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.headline = _label("", "instruction")
        self.details = _label("", "result")
        self.staff = _label("", "small")
        for widget in (self.headline, self.details, self.staff):
            layout.addWidget(widget)
        layout.addStretch(1)

    def clear(self) -> None:
        for widget in (self.headline, self.details, self.staff):
            widget.clear()


class KioskWindow(QMainWindow):
    """The whole patient flow for the plain window."""

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
    ) -> None:
        super().__init__()
        self.bridge = bridge
        #: the monitoring endpoint serving this kiosk (set by create_window), for benchmarks
        self.health_endpoint: HealthEndpoint | None = None
        self.language = locale
        self.setWindowTitle(hospital)
        self.setStyleSheet(STYLE)
        self.stack = QStackedWidget()
        self.home = HomeScreen(hospital, demo_codes, locale)
        self.busy = BusyScreen(locale)
        self.result = ResultScreen()
        for screen in (self.home, self.busy, self.result):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.home.code.returnPressed.connect(self.submit)
        self.home.print_button.clicked.connect(self.submit)
        bridge.print_finished.connect(self.show_summary)
        bridge.print_failed.connect(self.show_error)
        self.result_timer = QTimer(self)
        self.result_timer.setSingleShot(True)
        self.result_timer.setInterval(int(result_hold_s * 1000))
        self.result_timer.timeout.connect(self.go_home)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(int(idle_timeout_s * 1000))
        self.idle_timer.timeout.connect(self.go_home)
        self.idle_watcher = IdleWatcher(self.idle_timer)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_watcher)
        self.idle_timer.start()
        self.on_idle = on_idle
        self.go_home()

    def submit_scan(self, code: str) -> None:
        """A scanner or card reader read ``code``: the exact code, whatever the field held.

        Ignored while a visit runs; on the result screen it starts the next patient's visit
        (the previous patient's data is wiped first).
        """
        if self.stack.currentWidget() is self.busy:
            return
        if self.stack.currentWidget() is self.result:
            self.go_home()
        self.home.code.setText(code)
        self.submit()

    def submit(self) -> None:
        code = self.home.code.text().strip()
        if not code or self.stack.currentWidget() is not self.home:
            return
        self.home.code.clear()
        self.stack.setCurrentWidget(self.busy)
        self.bridge.start_print(code, self.language)

    def show_summary(self, summary: PrintSummary) -> None:
        lines = []
        for item in summary.items:
            kind = messages.text(f"kind.{item.kind.value}", self.language)
            state = messages.text(f"state.{item.state.value}", self.language)
            count = f" ×{item.count}" if item.count and item.state is ItemState.DELIVERED else ""
            reason = (
                messages.text(item.message_id, self.language, **item.params)
                if item.message_id
                else ""
            )
            lines.append(f"{kind}{count}: {state}" + (f"。{reason}" if reason else ""))
        headline = "ui.done" if summary.delivered else "ui.nothing_new"
        self.result.headline.setText(messages.text(headline, self.language))
        self.result.details.setText("\n".join(lines))
        self.result.staff.setText(messages.text("ui.staff_help", self.language))
        self.stack.setCurrentWidget(self.result)
        self.result_timer.start()

    def show_error(self, message_id: str, text: str) -> None:
        self.result.headline.setText(text or messages.text("printer.failed", self.language))
        self.result.details.clear()
        self.result.staff.setText(
            f"{messages.text('ui.staff_help', self.language)}  [{message_id}]"
        )
        self.stack.setCurrentWidget(self.result)
        self.result_timer.start()

    def go_home(self) -> None:
        """Back to the attract screen with every trace of the last patient removed."""
        self.result_timer.stop()
        self.result.clear()
        self.home.clear()
        self.stack.setCurrentWidget(self.home)
        if self.on_idle is not None:
            self.on_idle()


class IdleWatcher(QObject):
    """Restarts a timer on every key press or touch anywhere in the application."""

    _ACTIVITY = (
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
    )

    def __init__(self, timer: QTimer) -> None:
        super().__init__(timer)
        self.timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in self._ACTIVITY:
            self.timer.start()
        return False
