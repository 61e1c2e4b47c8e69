"""The screens of one visit: finding, the exam list, printing, and the result (done or error)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.core import messages
from kiosk_app.core.models import ItemKind, ItemState, PrintSummary
from kiosk_app.ui.bridge import FoundVisit
from kiosk_app.ui.screens.common import button, clear_layout_widgets, icon_label, label, mask_name

SLOW_AFTER_MS = 3000
#: rough printing speeds for the "time left" line, until the printer confirms sheets
SECONDS_PER_UNIT = {ItemKind.REPORT: 4.0, ItemKind.FILM: 12.0}

#: modalities of documents, not images: not what a patient calls their exam
NON_IMAGE_MODALITIES = {"DOC", "SR", "KO", "PR", "OT"}
_WAIT_IDS = {"item.report_expected", "item.report_not_final", "item.no_report", "item.in_progress"}


def item_icon(printable: bool, message_id: str) -> str:
    if printable:
        return "ready"
    if message_id == "item.already_printed":
        return "printed"
    if message_id in _WAIT_IDS:
        return "wait"
    return "fault"


class FindingScreen(QWidget):
    """A spinner-like line and one sentence; cancel returns home."""

    cancelled = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.instruction = label("", "instruction")
        self.dots = label("", "heading")
        self.slow = label("", "")
        layout.addWidget(self.instruction)
        layout.addWidget(self.dots)
        layout.addWidget(self.slow)
        layout.addStretch(1)
        self.cancel = button()
        self.cancel.clicked.connect(self.cancelled)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignCenter)
        self.lang = locale
        self._ticks = 0
        self.ticker = QTimer(self)
        self.ticker.setInterval(500)
        self.ticker.timeout.connect(self._tick)
        self.retranslate(locale)

    def start(self) -> None:
        self._ticks = 0
        self.slow.clear()
        self.ticker.start()

    def stop(self) -> None:
        self.ticker.stop()
        self.dots.clear()
        self.slow.clear()

    def _tick(self) -> None:
        self._ticks += 1
        self.dots.setText("●" * (1 + self._ticks % 3))
        if self._ticks * 500 >= SLOW_AFTER_MS:
            self.slow.setText(messages.text("ui.slow", self.lang))

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(messages.text("ui.searching", locale))
        self.cancel.setText(messages.text("ui.cancel", locale))

    def clear(self) -> None:
        self.stop()


class ExamsScreen(QWidget):
    """Masked name, last 4 of the code, one row per exam with each item's state; print."""

    print_requested = Signal()
    cancelled = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.lang = locale
        self.visit: FoundVisit | None = None
        self.checks: dict[int, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setSpacing(20)
        self.instruction = label("", "instruction")
        self.patient = label("", "heading")
        layout.addWidget(self.instruction)
        layout.addWidget(self.patient)
        self.rows = QWidget()
        self.rows_layout = QVBoxLayout(self.rows)
        self.rows_layout.setSpacing(12)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.rows)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.back = button()
        self.print_button = button("", "primary")
        row.addWidget(self.back, 1)
        row.addWidget(self.print_button, 3)
        layout.addLayout(row)
        self.staff = label("", "small")
        layout.addWidget(self.staff)
        self.back.clicked.connect(self.cancelled)
        self.print_button.clicked.connect(self.print_requested)
        self.retranslate(locale)

    def show_visit(self, visit: FoundVisit) -> None:
        self.visit = visit
        self._render()

    def selected(self) -> set[int]:
        return {i for i, check in self.checks.items() if check.isChecked()}

    def _render(self) -> None:
        clear_layout_widgets(self.rows, "row")
        self.checks = {}
        visit, locale = self.visit, self.lang
        if visit is None:
            self.patient.clear()
            self._update_count()
            return
        name = visit.exams[0].patient_name if visit.exams else ""
        self.patient.setText(
            messages.text(
                "ui.patient_line", locale, name=mask_name(name), last4=visit.credential.last4
            )
        )
        by_exam: dict[str, list[int]] = {}
        for index, item in enumerate(visit.planned):
            by_exam.setdefault(item.exam.study_uid, []).append(index)
        for exam in visit.exams:
            frame = QFrame()
            frame.setObjectName("row")
            grid = QGridLayout(frame)
            grid.setHorizontalSpacing(24)
            when = exam.study_date.isoformat() if exam.study_date else ""
            modality = "/".join(m for m in exam.modalities if m not in NON_IMAGE_MODALITIES)
            title = label(f"{when}   {modality}   {exam.description}", "heading", center=False)
            grid.addWidget(title, 0, 0, 1, 3)
            for line, index in enumerate(by_exam.get(exam.study_uid, []), start=1):
                item = visit.planned[index]
                decision = item.decision
                kind = messages.text(f"kind.{item.kind.value}", locale)
                if decision.printable:
                    state = messages.text("ui.item_ready", locale)
                else:
                    state = decision.reason(locale)
                icon = item_icon(decision.printable, decision.message_id)
                grid.addWidget(icon_label(icon, 56), line, 0)
                if decision.printable:
                    check = QCheckBox(kind)
                    check.setChecked(True)
                    check.toggled.connect(self._update_count)
                    self.checks[index] = check
                    grid.addWidget(check, line, 1)
                else:
                    grid.addWidget(label(kind, center=False), line, 1)
                grid.addWidget(label(state, center=False), line, 2)
            grid.setColumnStretch(2, 1)
            self.rows_layout.insertWidget(self.rows_layout.count() - 1, frame)
        self._update_count()

    def _update_count(self) -> None:
        reports = films = 0
        if self.visit is not None:
            for index in self.selected():
                if self.visit.planned[index].kind is ItemKind.REPORT:
                    reports += 1
                else:
                    films += 1
        if reports or films:
            text = messages.text("ui.print_count", self.lang, reports=reports, films=films)
        else:
            text = messages.text("ui.nothing_to_print", self.lang)
        self.print_button.setText(text)
        self.print_button.setEnabled(bool(reports or films))

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(messages.text("ui.exams_title", locale))
        self.back.setText(messages.text("ui.cancel", locale))
        self.staff.setText(messages.text("ui.staff_help", locale))
        self._render()

    def clear(self) -> None:
        self.visit = None
        self._render()


class PrintingScreen(QWidget):
    """Progress per item and sheet, the time left, where to collect; a stop said plainly."""

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.lang = locale
        self.items: dict[int, tuple[ItemKind, int, int, str]] = {}  # job -> kind, done, units
        layout = QVBoxLayout(self)
        layout.setSpacing(24)
        self.instruction = label("", "instruction")
        layout.addWidget(self.instruction)
        self.rows = QWidget()
        self.rows_layout = QVBoxLayout(self.rows)
        layout.addWidget(self.rows)
        self.time_left = label("", "heading")
        layout.addWidget(self.time_left)
        tray = QHBoxLayout()
        tray.addWidget(icon_label("printed", 160))
        self.collect = label("", "", center=False)
        tray.addWidget(self.collect, 1)
        layout.addLayout(tray)
        self.stopped = label("", "fault")
        layout.addWidget(self.stopped)
        layout.addStretch(1)
        self.bars: dict[int, tuple[QLabel, QProgressBar]] = {}
        self.retranslate(locale)

    def start(self) -> None:
        self.clear()

    def job_submitted(self, job_id: int, kind: ItemKind, units: int) -> None:
        self.items[job_id] = (kind, 0, units, "submitted")
        frame = QFrame()
        frame.setObjectName("row")
        row = QHBoxLayout(frame)
        text = label("", "heading", center=False)
        bar = QProgressBar()
        bar.setRange(0, max(units, 1))
        row.addWidget(text, 1)
        row.addWidget(bar, 2)
        self.bars[job_id] = (text, bar)
        self.rows_layout.addWidget(frame)
        self._render()

    def sheets(self, job_id: int, confirmed: int, units: int, state: str) -> None:
        if job_id not in self.items:
            return
        kind = self.items[job_id][0]
        self.items[job_id] = (kind, confirmed, units, state)
        self._render()

    def _render(self) -> None:
        left = 0.0
        paused = False
        for job_id, (kind, done, units, state) in self.items.items():
            text, bar = self.bars[job_id]
            name = messages.text(f"kind.{kind.value}", self.lang)
            text.setText(f"{name} {done}/{units}")
            bar.setMaximum(max(units, 1))
            bar.setValue(done)
            left += (units - done) * SECONDS_PER_UNIT[kind]
            paused = paused or state == "paused"
        self.time_left.setText(
            messages.text("ui.time_left", self.lang, seconds=int(left)) if self.items else ""
        )
        self.stopped.setText(messages.text("ui.printer_stopped", self.lang) if paused else "")

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(messages.text("ui.printing", locale))
        self.collect.setText(messages.text("ui.collect", locale))
        self._render()

    def clear(self) -> None:
        clear_layout_widgets(self.rows, "row")
        self.items.clear()
        self.bars.clear()
        self.time_left.clear()
        self.stopped.clear()


class ResultScreen(QWidget):
    """Done (what was printed, where to take it) or an error (what, what now, who; the id)."""

    home_requested = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.headline = label("", "instruction")
        self.details = label("", "")
        self.reminder = label("", "heading")
        self.staff = label("", "small")
        for widget in (self.headline, self.details, self.reminder, self.staff):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.home = button()
        self.home.clicked.connect(self.home_requested)
        layout.addWidget(self.home, 0, Qt.AlignmentFlag.AlignCenter)
        self.retranslate(locale)

    def show_summary(self, summary: PrintSummary, locale: str) -> None:
        lines = []
        for item in summary.items:
            kind = messages.text(f"kind.{item.kind.value}", locale)
            state = messages.text(f"state.{item.state.value}", locale)
            count = f" ×{item.count}" if item.count and item.state is ItemState.DELIVERED else ""
            reason = (
                messages.text(item.message_id, locale, **item.params) if item.message_id else ""
            )
            lines.append(f"{kind}{count}: {state}" + (f"。{reason}" if reason else ""))
        headline = "ui.done" if summary.delivered else "ui.nothing_new"
        self.headline.setText(messages.text(headline, locale))
        self.details.setText("\n".join(lines))
        self.reminder.setText(
            (messages.text("ui.collect", locale) + "\n" if summary.delivered else "")
            + messages.text("ui.take_card", locale)
        )
        self.staff.setText(messages.text("ui.staff_help", locale))

    def show_error(self, message_id: str, text: str, locale: str) -> None:
        self.headline.setText(text or messages.text("printer.failed", locale))
        self.details.setText(messages.text("ui.error_title", locale))
        self.reminder.setText(messages.text("ui.take_card", locale))
        self.staff.setText(f"{messages.text('ui.staff_help', locale)}  [{message_id}]")

    def retranslate(self, locale: str) -> None:
        self.home.setText(messages.text("ui.home", locale))

    def clear(self) -> None:
        for widget in (self.headline, self.details, self.reminder, self.staff):
            widget.clear()
