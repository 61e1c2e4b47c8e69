"""The band over every screen: the hospital's name, the time, and on a patient's screens where
they are in the visit (扫码 → 确认 → 打印 → 取件)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk_app.ui.screens.common import TOUCH_PX, label
from kiosk_app.ui.translator import tr

#: the visit's steps, in order (message ids)
STEPS = ("ui.step_scan", "ui.step_confirm", "ui.step_print", "ui.step_collect")


class Header(QFrame):
    """The hospital's name and a clock; below them the visit's steps, the current one marked
    by colour and a word-free sign (a filled circle), never by colour alone."""

    def __init__(self, hospital: str, now: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self.setObjectName("header")
        self.now = now
        column = QVBoxLayout(self)
        # the nurses' unmarked corner lies over the left of the band: the name starts after it
        column.setContentsMargins(TOUCH_PX + 8, 4, 16, 4)
        column.setSpacing(4)
        top = QHBoxLayout()
        self.hospital = label(hospital, "hospital", center=False)
        self.clock = label("", "clock", center=False)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.hospital, 1)
        top.addWidget(self.clock)
        column.addLayout(top)
        self.steps = QWidget()
        row = QHBoxLayout(self.steps)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addStretch(1)
        #: each step twice, plain and marked, one of them shown: a step changes by showing
        #: another label, not by restyling one (a style sheet's polish took ~12 ms a step)
        self.step_labels: list[QLabel] = []
        self.marked_labels: list[QLabel] = []
        for index in range(len(STEPS)):
            if index:
                row.addWidget(label("→", "step"))
            step, marked = label("", "step"), label("", "step_current")
            self.step_labels.append(step)
            self.marked_labels.append(marked)
            row.addWidget(step)
            row.addWidget(marked)
        row.addStretch(1)
        column.addWidget(self.steps)
        #: the step on show (an index into STEPS), or None off a patient's visit
        self.current: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.retranslate()
        for marked in self.marked_labels:
            marked.hide()
        self.set_step(0)
        self.tick()

    def tick(self) -> None:
        text = self.now().strftime("%H:%M")
        if self.clock.text() != text:
            self.clock.setText(text)

    def set_step(self, current: int | None) -> None:
        """Mark step ``current`` (None: a nurse's screen, no steps)."""
        before = self.current
        if current == before and self.steps.isHidden() == (current is None):
            return
        self.current = current
        self.steps.setVisible(current is not None)
        for index in {before, current} - {None}:  # only the two that change
            assert index is not None
            self.step_labels[index].setVisible(index != current)
            self.marked_labels[index].setVisible(index == current)

    def shown_steps(self) -> list[str]:
        """The steps' texts as on show, the current one with its sign."""
        return [
            (marked if index == self.current else step).text()
            for index, (step, marked) in enumerate(
                zip(self.step_labels, self.marked_labels, strict=True)
            )
        ]

    def retranslate(self) -> None:
        for index, (step, marked) in enumerate(
            zip(self.step_labels, self.marked_labels, strict=True)
        ):
            text = f"{index + 1} {tr(STEPS[index])}"
            step.setText(text)
            marked.setText(f"● {text}")
