"""The screens of one visit: finding, the exam list, printing, and the result (done or error)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.core.models import Exam, ItemKind, PrintSummary
from kiosk_app.core.privacy import mask_name
from kiosk_app.services.outcome import done_view
from kiosk_app.services.visit import PlannedItem
from kiosk_app.ui.bridge import FoundVisit
from kiosk_app.ui.screens.common import (
    WrappingRow,
    button,
    clear_layout_widgets,
    icon_label,
    label,
    scrolling,
)
from kiosk_app.ui.translator import tr

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


def counted(message_id: str, count: int) -> str:
    """``count`` things in words: ``<id>.one`` for one (English has a singular; Chinese has
    no plural, and its ``.one`` says the same)."""
    return tr(f"{message_id}.one" if count == 1 else message_id, count=count)


def print_text(chosen: Sequence[PlannedItem]) -> str:
    """What the print button says will come out for the ``chosen`` items: the reports with
    their pages, the films in sheets ("打印 2 份报告（3 页）和 5 张胶片"). Where a count is not
    known the items are counted instead ("2 份报告", "1 组胶片"), never a guess."""
    reports = [item for item in chosen if item.kind is ItemKind.REPORT]
    films = [item for item in chosen if item.kind is ItemKind.FILM]
    parts = []
    if reports:
        text = counted("ui.n_reports", len(reports))
        pages = [item.count for item in reports if item.count is not None]
        if len(pages) == len(reports):
            text = tr("ui.reports_pages", reports=text, pages=counted("ui.n_pages", sum(pages)))
        parts.append(text)
    if films:
        sheets = [item.count for item in films if item.count is not None]
        if len(sheets) == len(films):
            parts.append(counted("ui.n_films", sum(sheets)))
        else:
            parts.append(counted("ui.n_film_sets", len(films)))
    if len(parts) == 2:
        return tr("ui.print_both", reports=parts[0], films=parts[1])
    if parts:
        return tr("ui.print_what", what=parts[0])
    return tr("ui.nothing_to_print")


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
            self.slow.setText(tr("ui.slow"))

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(tr("ui.searching"))
        self.cancel.setText(tr("ui.cancel"))

    def clear(self) -> None:
        self.stop()


class ExamsScreen(QWidget):
    """Masked name, last 4 of the code, one row per exam with each item's state; print.

    The exams the visit offers ticked come first (:mod:`kiosk_app.services.offer`); a
    person's older exams follow behind an "earlier exams" button, unticked. With no recent
    exam at all they are shown at once (still unticked), under a line that says so.
    """

    print_requested = Signal()
    cancelled = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.lang = locale
        self.visit: FoundVisit | None = None
        self.checks: dict[int, QCheckBox] = {}
        #: the older exams are on screen ("more" was pressed, or there is nothing recent)
        self.older_shown = False
        self.more: QPushButton | None = None
        self.older: QWidget | None = None
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
        self.scroll_area = scrolling(self.rows)
        layout.addWidget(self.scroll_area, 1)
        # side by side on a landscape screen; in portrait (or a long count) the print button
        # above "cancel", each as wide as the screen
        row = WrappingRow(stacked=QBoxLayout.Direction.BottomToTop)
        self.back = button()
        self.print_button = button("", "primary")
        row.addWidget(self.back, 1)
        row.addWidget(self.print_button, 3)
        layout.addWidget(row)
        self.staff = label("", "small")
        layout.addWidget(self.staff)
        self.back.clicked.connect(self.cancelled)
        self.print_button.clicked.connect(self.print_requested)
        self.retranslate(locale)

    def show_visit(self, visit: FoundVisit) -> None:
        self.visit = visit
        self.checks = {}  # a new visit: ticked as the visit offers them
        self.older_shown = not any(item.ticked for item in visit.planned)
        self._render()

    def selected(self) -> set[int]:
        return {i for i, check in self.checks.items() if check.isChecked()}

    def show_older(self) -> None:
        """The patient pressed "earlier exams": list them, unticked."""
        self.older_shown = True
        if self.older is not None:
            self.older.setVisible(True)
        if self.more is not None:
            self.more.setVisible(False)

    def _render(self) -> None:
        # Drawn again for the same visit (the language changed): the patient's ticks stay.
        ticks = {i: check.isChecked() for i, check in self.checks.items()}
        clear_layout_widgets(self.rows, "row")
        self.checks = {}
        self.more = self.older = None
        visit = self.visit
        if visit is None:
            self.patient.clear()
            self._update_count()
            return
        name = visit.exams[0].patient_name if visit.exams else ""
        self.patient.setText(
            tr("ui.patient_line", name=mask_name(name), last4=visit.credential.last4)
        )
        by_exam: dict[str, list[int]] = {}
        for index, item in enumerate(visit.planned):
            by_exam.setdefault(item.exam.study_uid, []).append(index)
        older_uids = {item.exam.study_uid for item in visit.planned if not item.ticked}
        recent = [e for e in visit.exams if e.study_uid not in older_uids]
        older = [e for e in visit.exams if e.study_uid in older_uids]
        for exam in recent:
            self._add(self._exam_row(exam, by_exam.get(exam.study_uid, []), ticks))
        if older:
            if not recent:
                self._add(self._wrapped(label(tr("ui.no_recent_exams", days=visit.recent_days))))
            self.more = button(tr("ui.more_exams", count=len(older)))
            self.more.setObjectName("more")
            self.more.clicked.connect(self.show_older)
            self.more.setVisible(not self.older_shown)
            self._add(self._wrapped(self.more))
            self.older = QWidget()
            self.older.setObjectName("row")
            box = QVBoxLayout(self.older)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(12)
            box.addWidget(label(tr("ui.older_exams"), "heading", center=False))
            for exam in older:
                box.addWidget(self._exam_row(exam, by_exam.get(exam.study_uid, []), ticks))
            self.older.setVisible(self.older_shown)
            self._add(self.older)
        self._update_count()

    def _add(self, widget: QWidget) -> None:
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, widget)

    @staticmethod
    def _wrapped(widget: QWidget) -> QWidget:
        wrapper = QWidget()
        wrapper.setObjectName("row")
        box = QHBoxLayout(wrapper)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        return wrapper

    def _exam_row(self, exam: Exam, indexes: list[int], ticks: dict[int, bool]) -> QFrame:
        visit = self.visit
        assert visit is not None
        frame = QFrame()
        frame.setObjectName("row")
        grid = QGridLayout(frame)
        grid.setHorizontalSpacing(24)
        when = exam.study_date.isoformat() if exam.study_date else ""
        modality = "/".join(m for m in exam.modalities if m not in NON_IMAGE_MODALITIES)
        title = label(f"{when}   {modality}   {exam.description}", "heading", center=False)
        grid.addWidget(title, 0, 0, 1, 3)
        for line, index in enumerate(indexes, start=1):
            item = visit.planned[index]
            decision = item.decision
            kind = tr(f"kind.{item.kind.value}")
            if decision.printable:
                state = tr("ui.item_ready")
            else:
                state = tr(decision.message_id, **decision.params)
            icon = item_icon(decision.printable, decision.message_id)
            grid.addWidget(icon_label(icon, 56), line, 0)
            if decision.printable:
                check = QCheckBox(kind)
                # said as "报告 - CT 胸部 2026-12-01": which exam's report this box prints
                exam_words = " ".join(w for w in (modality, exam.description, when) if w)
                check.setAccessibleName(tr("ui.a11y_item", kind=kind, exam=exam_words))
                check.setAccessibleDescription(state)
                check.setChecked(ticks.get(index, item.ticked))
                check.toggled.connect(self._update_count)
                self.checks[index] = check
                grid.addWidget(check, line, 1)
            else:
                grid.addWidget(label(kind, center=False), line, 1)
            grid.addWidget(label(state, center=False), line, 2)
        grid.setColumnStretch(2, 1)
        return frame

    def _update_count(self) -> None:
        chosen = []
        if self.visit is not None:
            chosen = [self.visit.planned[i] for i in sorted(self.selected())]
        self.print_button.setText(print_text(chosen))
        self.print_button.setEnabled(bool(chosen))

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(tr("ui.exams_title"))
        self.back.setText(tr("ui.cancel"))
        self.staff.setText(tr("ui.staff_help"))
        self._render()

    def clear(self) -> None:
        self.visit = None
        self._render()


class PrintingScreen(QWidget):
    """Progress per item and sheet, the time left, where to collect; a stop said plainly, with
    a way out: the patient may leave, the job waits for a nurse."""

    leave_requested = Signal()

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
        self.rows_layout.addStretch(1)
        self.scroll_area = scrolling(self.rows)
        layout.addWidget(self.scroll_area, 1)
        self.time_left = label("", "heading")
        layout.addWidget(self.time_left)
        tray = QHBoxLayout()
        tray.addWidget(icon_label("printed", 160))
        self.collect = label("", "", center=False)
        tray.addWidget(self.collect, 1)
        layout.addLayout(tray)
        self.stopped = label("", "fault")
        layout.addWidget(self.stopped)
        self.leave = button()
        self.leave.clicked.connect(self.leave_requested)
        self.leave.hide()
        layout.addWidget(self.leave, 0, Qt.AlignmentFlag.AlignCenter)
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
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, frame)
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
            name = tr(f"kind.{kind.value}")
            text.setText(f"{name} {done}/{units}")
            bar.setAccessibleName(text.text())
            bar.setMaximum(max(units, 1))
            bar.setValue(done)
            left += (units - done) * SECONDS_PER_UNIT[kind]
            paused = paused or state == "paused"
        # Stopped, no time left is promised: it would only count down to nothing.
        shown = self.items and not paused
        self.time_left.setText(tr("ui.time_left", seconds=int(left)) if shown else "")
        self.stopped.setText(
            tr("ui.printer_stopped") + "\n" + tr("ui.paused_help") if paused else ""
        )
        self.leave.setText(tr("ui.leave_paused"))
        self.leave.setVisible(paused)

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(tr("ui.printing"))
        self.collect.setText(tr("ui.collect"))
        self._render()

    def clear(self) -> None:
        clear_layout_widgets(self.rows, "row")
        self.items.clear()
        self.bars.clear()
        self.time_left.clear()
        self.stopped.clear()
        self.leave.hide()


class ResultScreen(QWidget):
    """Done (what was printed, where to take it) or an error (what, what now, who; the id)."""

    home_requested = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.headline = label("", "instruction")
        self.details = label("", "")
        self.reminder = label("", "heading")
        self.staff = label("", "small")
        # what became of each item, however many: scrolls, the home button stays on screen
        text = QWidget()
        column = QVBoxLayout(text)
        column.setContentsMargins(0, 0, 0, 0)
        column.addStretch(1)
        for widget in (self.headline, self.details, self.reminder, self.staff):
            column.addWidget(widget)
        column.addStretch(1)
        self.scroll_area = scrolling(text)
        layout.addWidget(self.scroll_area, 1)
        self.home = button()
        self.home.clicked.connect(self.home_requested)
        layout.addWidget(self.home, 0, Qt.AlignmentFlag.AlignCenter)
        self.retranslate(locale)

    def show_summary(self, summary: PrintSummary, locale: str, now: datetime | None = None) -> None:
        """What became of each item, truthfully: see :func:`services.outcome.done_view`."""
        view = done_view(summary.items, now or datetime.now())
        lines = []
        for line in view.lines:
            kind = tr(f"kind.{line.kind.value}")
            state = tr(f"state.{line.state.value}")
            count = f" ×{line.count}" if line.count else ""
            reason = tr(line.message_id, **line.params) if line.message_id else ""
            lines.append(f"{kind}{count}: {state}" + (f"。{reason}" if reason else ""))
        if view.failed_id:
            lines.append(tr(view.failed_id))
        self.headline.setText(tr(view.headline_id))
        self.details.setText("\n".join(lines))
        self.reminder.setText(
            (tr(view.trays_id) + "\n" if view.trays_id else "") + tr("ui.take_card")
        )
        self.staff.setText(tr("ui.staff_help"))

    def show_error(self, message_id: str, text: str, locale: str) -> None:
        self.headline.setText(text or tr("printer.failed"))
        self.details.setText(tr("ui.error_title"))
        self.reminder.setText(tr("ui.take_card"))
        self.staff.setText(f"{tr('ui.staff_help')}  [{message_id}]")

    def retranslate(self, locale: str) -> None:
        self.home.setText(tr("ui.home"))

    def clear(self) -> None:
        for widget in (self.headline, self.details, self.reminder, self.staff):
            widget.clear()
