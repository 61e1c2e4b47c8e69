"""The band over every screen: the hospital's name, the time, and on a patient's screens where
they are in the visit (扫码 → 确认 → 打印 → 取件)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Property, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk_app.ui.screens.common import TOUCH_PX, label
from kiosk_app.ui.translator import tr

#: the visit's steps, in order (message ids)
STEPS = ("ui.step_scan", "ui.step_confirm", "ui.step_print", "ui.step_collect")
STEP_PX = 32
PAD = 12
ARROW = "→"


class StepIndicator(QWidget):
    """The visit's steps in one row, the current one on the accent colour, in bold and with a
    sign (●): never by colour alone. Painted, not a row of labels: a step changes with one
    repaint, where restyling labels cost ~12 ms of style sheet polish per screen change. Its
    colours come from the style sheet (``qproperty-accent`` and the like), so they follow the
    contrast."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("steps")
        self._accent = QColor("#0b57d0")
        self._accent_text = QColor("#ffffff")
        self._muted = QColor("#444444")
        self.texts: list[str] = []
        self.current: int | None = None
        font = QFont(self.font())
        font.setPixelSize(STEP_PX)
        self.setFont(font)

    # colours the style sheet sets (``qproperty-...``)
    def _get_accent(self) -> QColor:
        return self._accent

    def _set_accent(self, colour: QColor) -> None:
        self._accent = QColor(colour)
        self.update()

    def _get_accent_text(self) -> QColor:
        return self._accent_text

    def _set_accent_text(self, colour: QColor) -> None:
        self._accent_text = QColor(colour)
        self.update()

    def _get_muted(self) -> QColor:
        return self._muted

    def _set_muted(self, colour: QColor) -> None:
        self._muted = QColor(colour)
        self.update()

    accent = Property(QColor, _get_accent, _set_accent)
    accentText = Property(QColor, _get_accent_text, _set_accent_text)  # noqa: N815 (Qt name)
    muted = Property(QColor, _get_muted, _set_muted)

    def shown(self) -> list[str]:
        """Each step's words as painted, the current one with its sign."""
        return [
            f"● {text}" if index == self.current else text for index, text in enumerate(self.texts)
        ]

    def set_texts(self, texts: list[str]) -> None:
        self.texts = texts
        self._say()
        self.updateGeometry()
        self.update()

    def set_step(self, current: int | None) -> None:
        if current != self.current:
            self.current = current
            self._say()
            self.update()

    def _say(self) -> None:
        """What a screen reader says of it: every step, the current one marked."""
        self.setAccessibleName(f" {ARROW} ".join(self.shown()))

    def _bold(self) -> QFont:
        bold = QFont(self.font())
        bold.setBold(True)
        return bold

    def _widths(self) -> tuple[list[int], int]:
        plain, bold = self.fontMetrics(), QFontMetrics(self._bold())
        widths = [
            (bold if i == self.current else plain).horizontalAdvance(text) + 2 * PAD
            for i, text in enumerate(self.shown())
        ]
        return widths, plain.horizontalAdvance(ARROW) + 2 * PAD

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        # as wide as with the widest step marked, so marking another never cuts a word
        plain, bold = self.fontMetrics(), QFontMetrics(self._bold())
        marked = [bold.horizontalAdvance(f"● {t}") - plain.horizontalAdvance(t) for t in self.texts]
        widths, arrow = self._widths()
        width = sum(w for w in widths) + arrow * max(len(widths) - 1, 0) + max(marked, default=0)
        return QSize(width, bold.height() + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        widths, arrow = self._widths()
        total = sum(widths) + arrow * max(len(widths) - 1, 0)
        x = max(0, (self.width() - total) // 2)
        height = self.height()
        for index, (text, width) in enumerate(zip(self.shown(), widths, strict=True)):
            if index:
                painter.setPen(self._muted)
                painter.setFont(self.font())
                painter.drawText(QRect(x, 0, arrow, height), Qt.AlignmentFlag.AlignCenter, ARROW)
                x += arrow
            box = QRect(x, 2, width, height - 4)
            if index == self.current:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self._accent)
                painter.drawRoundedRect(box, 8, 8)
                painter.setPen(self._accent_text)
                painter.setFont(self._bold())
            else:
                painter.setPen(self._muted)
                painter.setFont(self.font())
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x += width
        painter.end()


class Header(QFrame):
    """The hospital's name and a clock; below them the visit's steps (none for nurses)."""

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
        self.steps = StepIndicator()
        column.addWidget(self.steps)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.retranslate()
        self.set_step(0)
        self.tick()

    @property
    def current(self) -> int | None:
        """The step on show (an index into STEPS), or None off a patient's visit."""
        return self.steps.current

    def tick(self) -> None:
        text = self.now().strftime("%H:%M")
        if self.clock.text() != text:
            self.clock.setText(text)

    def set_step(self, current: int | None) -> None:
        """Mark step ``current`` (None: a nurse's screen, no steps: they are hidden, the
        band keeps its height)."""
        self.steps.set_step(current)
        self.steps.setVisible(current is not None)

    def shown_steps(self) -> list[str]:
        """The steps' words as on show, the current one with its sign."""
        return self.steps.shown()

    def retranslate(self) -> None:
        self.steps.set_texts([f"{i + 1} {tr(step)}" for i, step in enumerate(STEPS)])
