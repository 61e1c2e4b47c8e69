"""Shared looks: the style sheets (normal and high contrast), labels, icons, big buttons."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPixmap, QResizeEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QWidget,
)

from kiosk_app.settings import REPO_ROOT

ASSETS = REPO_ROOT / "assets" / "ui"

#: the guide's figures at about 100 DPI (UI_GUIDE.md, "Measures")
INSTRUCTION_PX = 64
HEADING_PX = 56
BODY_PX = 36
SMALL_PX = 26
TOUCH_PX = 120
#: the width of a scroll bar, and the height of its arrow buttons: a finger's, not 2 px
SCROLL_PX = 64

_BASE = """
QWidget {{ background: {bg}; color: {fg}; font-size: {body}px; }}
QLabel#instruction {{ font-size: {instruction}px; font-weight: bold; }}
QLabel#heading {{ font-size: {heading}px; font-weight: bold; }}
QLabel#hospital {{ font-size: 40px; color: {muted}; }}
QLabel#clock {{ font-size: 40px; font-weight: bold; }}
QWidget#steps {{ qproperty-accent: {accent}; qproperty-accentText: {accent_fg};
                 qproperty-muted: {muted}; }}
QFrame#header {{ border-bottom: 2px solid {border}; }}
QLabel#small {{ font-size: {small}px; color: {muted}; }}
QLabel#fault {{ color: {fault}; font-weight: bold; }}
QLineEdit {{ font-size: 48px; min-height: {touch}px; border: 3px solid {border}; padding: 0 16px;
            background: {field}; placeholder-text-color: {placeholder}; }}
QPushButton {{ font-size: 40px; min-height: {touch}px; min-width: {touch}px; padding: 0 28px;
              background: {button}; color: {button_fg}; border: 3px solid {border};
              border-radius: 12px; }}
QPushButton#primary {{ font-size: 52px; min-height: 160px; background: {accent};
                      color: {accent_fg}; border: none; }}
QPushButton:disabled, QPushButton#primary:disabled {{ background: {disabled_bg};
                      color: {disabled_fg}; border: 3px dashed {disabled_fg}; }}
QPushButton:checked {{ background: {accent}; color: {accent_fg}; }}
QPushButton:focus {{ border: 5px solid {focus}; }}
QPushButton#key {{ font-size: 48px; font-weight: bold; padding: 0; min-width: 114px;
                  min-height: 114px; }}
QPushButton#corner {{ background: transparent; border: none; min-width: 120px; min-height: 120px; }}
QFrame#row {{ border-bottom: 2px solid {border}; }}
QFrame#tile {{ border: 4px solid {border}; border-radius: 12px; }}
QFrame#tile QPushButton {{ padding: 0 8px; font-size: {small}px; }}
QCheckBox {{ font-size: {body}px; min-height: {touch}px; }}
QCheckBox::indicator {{ width: 56px; height: 56px; border: 4px solid {fg}; border-radius: 8px;
                       background: {field}; }}
QCheckBox::indicator:checked {{ image: url({assets}/check-{arrows}.svg); }}
QProgressBar {{ min-height: 48px; border: 3px solid {border}; border-radius: 8px;
               text-align: center; font-size: 28px; }}
QProgressBar::chunk {{ background: {accent}; }}
QScrollBar:vertical {{ width: {scroll}px; background: {track}; border: 2px solid {border};
                      border-radius: 8px; margin: {scroll}px 0 {scroll}px 0; }}
QScrollBar::handle:vertical {{ background: {handle}; min-height: {touch}px; border-radius: 8px;
                              margin: 4px; }}
QScrollBar::sub-line:vertical {{ height: {scroll}px; subcontrol-position: top;
                                subcontrol-origin: margin; background: {button};
                                border: 2px solid {border}; border-radius: 8px; }}
QScrollBar::add-line:vertical {{ height: {scroll}px; subcontrol-position: bottom;
                                subcontrol-origin: margin; background: {button};
                                border: 2px solid {border}; border-radius: 8px; }}
QScrollBar::up-arrow:vertical {{ image: url({assets}/scroll-up-{arrows}.svg); width: 36px;
                                height: 36px; }}
QScrollBar::down-arrow:vertical {{ image: url({assets}/scroll-down-{arrows}.svg); width: 36px;
                                  height: 36px; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
"""

NORMAL = _BASE.format(
    bg="#ffffff", fg="#111111", muted="#444444", fault="#b00020", border="#555555",
    field="#ffffff", button="#eeeeee", button_fg="#111111", accent="#0b57d0",
    accent_fg="#ffffff", focus="#111111", instruction=INSTRUCTION_PX, heading=HEADING_PX,
    body=BODY_PX, small=SMALL_PX, touch=TOUCH_PX, scroll=SCROLL_PX, track="#f2f2f2",
    handle="#555555", arrows="dark", assets=ASSETS.as_posix(), placeholder="#595959",
    disabled_bg="#e0e0e0", disabled_fg="#404040",
)  # fmt: skip
HIGH_CONTRAST = _BASE.format(
    bg="#000000", fg="#ffffff", muted="#ffff00", fault="#ff6b6b", border="#ffffff",
    field="#000000", button="#000000", button_fg="#ffffff", accent="#ffff00",
    accent_fg="#000000", focus="#00ffff", instruction=INSTRUCTION_PX, heading=HEADING_PX,
    body=BODY_PX, small=SMALL_PX, touch=TOUCH_PX, scroll=SCROLL_PX, track="#000000",
    handle="#ffff00", arrows="light", assets=ASSETS.as_posix(), placeholder="#c0c0c0",
    disabled_bg="#000000", disabled_fg="#c0c0c0",
)  # fmt: skip


def label(text: str = "", name: str = "", *, center: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(True)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if name:
        widget.setObjectName(name)
    return widget


class Button(QPushButton):
    """A push button whose accessible name is its text (what a screen reader says it does),
    unless it is given a name of its own (an icon, a key, a preset that needs its field)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._own_name = False
        super().setAccessibleName(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        super().setText(text)
        if not self._own_name:
            super().setAccessibleName(text)

    def setAccessibleName(self, name: str) -> None:  # noqa: N802 (Qt name)
        self._own_name = True
        super().setAccessibleName(name)


def button(text: str = "", name: str = "") -> QPushButton:
    widget = Button(text)
    widget.setMinimumSize(TOUCH_PX, TOUCH_PX)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if name:
        widget.setObjectName(name)
    return widget


@cache
def pixmap(name: str, size: int) -> QPixmap:
    """``assets/ui/<name>.svg`` rendered at ``size`` pixels square."""
    image = QPixmap(QSize(size, size))
    image.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(str(ASSETS / f"{name}.svg"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def icon_label(name: str, size: int) -> QLabel:
    widget = QLabel()
    widget.setPixmap(pixmap(name, size))
    widget.setFixedSize(size, size)
    return widget


def clear_layout_widgets(parent: QWidget, object_name: str) -> None:
    """Delete the children named ``object_name`` (rows of a list) at once."""
    for child in parent.findChildren(QWidget, object_name):
        child.setParent(None)
        child.deleteLater()


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a scroll area: as wide as the area, as tall as it needs, with a wide
    scroll bar (arrows to tap, :data:`SCROLL_PX`) whenever it is taller than the area."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    return area


class WrappingRow(QWidget):
    """Widgets side by side while they fit at their natural width, one above the other when
    they do not (a portrait screen, a longer language): a button's text is never cut."""

    def __init__(
        self,
        spacing: int = 24,
        stacked: QBoxLayout.Direction = QBoxLayout.Direction.TopToBottom,
    ) -> None:
        super().__init__()
        #: the direction when the widgets do not fit side by side (BottomToTop: the last
        #: one added on top)
        self.stacked = stacked
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 (Qt name)
        self.box.addWidget(widget, stretch)

    def _shown(self) -> list[QWidget]:
        items = (self.box.itemAt(i) for i in range(self.box.count()))
        widgets = (item.widget() for item in items if item is not None)
        return [w for w in widgets if w is not None and not w.isHidden()]

    def _fits(self, width: int) -> bool:
        """Side by side, each widget gets at least its natural width (its stretch's share of
        ``width``, where stretches are set)."""
        shown = self._shown()
        room = width - self.box.spacing() * (len(shown) - 1)
        hints = [w.sizeHint().width() for w in shown]
        stretches = [self.box.stretch(self.box.indexOf(w)) for w in shown]
        if sum(hints) > room:
            return False
        total = sum(stretches)
        if total and all(stretches):
            return all(room * s // total >= h for s, h in zip(stretches, hints, strict=True))
        return True

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """The least of either arrangement: as narrow as the widest widget (stacked), as low
        as the highest one (side by side). What it gets, it arranges itself to fit."""
        shown = self._shown()
        width = max((w.minimumSizeHint().width() for w in shown), default=0)
        height = max((w.minimumSizeHint().height() for w in shown), default=0)
        return QSize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.arrange(event.size().width())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a child's text (and width) changed
            self.arrange(self.width())
        return super().event(event)

    def arrange(self, width: int) -> None:
        direction = QBoxLayout.Direction.LeftToRight if self._fits(width) else self.stacked
        if self.box.direction() != direction:
            self.box.setDirection(direction)
            self.updateGeometry()
