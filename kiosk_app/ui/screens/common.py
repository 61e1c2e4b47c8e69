"""Shared looks: the style sheets (normal and high contrast), labels, icons, big buttons."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from kiosk_app.settings import REPO_ROOT

ASSETS = REPO_ROOT / "assets" / "ui"

#: the guide's figures at about 100 DPI (UI_GUIDE.md, "Measures")
INSTRUCTION_PX = 64
HEADING_PX = 56
BODY_PX = 36
SMALL_PX = 26
TOUCH_PX = 120

_BASE = """
QWidget {{ background: {bg}; color: {fg}; font-size: {body}px; }}
QLabel#instruction {{ font-size: {instruction}px; font-weight: bold; }}
QLabel#heading {{ font-size: {heading}px; font-weight: bold; }}
QLabel#hospital {{ font-size: 40px; color: {muted}; }}
QLabel#small {{ font-size: {small}px; color: {muted}; }}
QLabel#fault {{ color: {fault}; font-weight: bold; }}
QLineEdit {{ font-size: 48px; min-height: {touch}px; border: 3px solid {border}; padding: 0 16px;
            background: {field}; }}
QPushButton {{ font-size: 40px; min-height: {touch}px; min-width: {touch}px; padding: 0 28px;
              background: {button}; color: {button_fg}; border: 3px solid {border};
              border-radius: 12px; }}
QPushButton#primary {{ font-size: 52px; min-height: 160px; background: {accent};
                      color: {accent_fg}; border: none; }}
QPushButton#primary:disabled {{ background: {muted}; }}
QPushButton:checked {{ background: {accent}; color: {accent_fg}; }}
QPushButton:focus {{ border: 5px solid {focus}; }}
QPushButton#key {{ font-size: 48px; font-weight: bold; padding: 0; min-width: 114px;
                  min-height: 114px; }}
QPushButton#corner {{ background: transparent; border: none; min-width: 120px; min-height: 120px; }}
QFrame#row {{ border-bottom: 2px solid {border}; }}
QFrame#tile {{ border: 4px solid {border}; border-radius: 12px; }}
QFrame#tile QPushButton {{ padding: 0 8px; font-size: {small}px; }}
QCheckBox {{ font-size: {body}px; min-height: {touch}px; }}
QCheckBox::indicator {{ width: 64px; height: 64px; }}
QProgressBar {{ min-height: 48px; border: 3px solid {border}; border-radius: 8px;
               text-align: center; font-size: 28px; }}
QProgressBar::chunk {{ background: {accent}; }}
"""

NORMAL = _BASE.format(
    bg="#ffffff", fg="#111111", muted="#444444", fault="#b00020", border="#555555",
    field="#ffffff", button="#eeeeee", button_fg="#111111", accent="#0b57d0",
    accent_fg="#ffffff", focus="#111111", instruction=INSTRUCTION_PX, heading=HEADING_PX,
    body=BODY_PX, small=SMALL_PX, touch=TOUCH_PX,
)  # fmt: skip
HIGH_CONTRAST = _BASE.format(
    bg="#000000", fg="#ffffff", muted="#ffff00", fault="#ff6b6b", border="#ffffff",
    field="#000000", button="#000000", button_fg="#ffffff", accent="#ffff00",
    accent_fg="#000000", focus="#00ffff", instruction=INSTRUCTION_PX, heading=HEADING_PX,
    body=BODY_PX, small=SMALL_PX, touch=TOUCH_PX,
)  # fmt: skip


def label(text: str = "", name: str = "", *, center: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(True)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if name:
        widget.setObjectName(name)
    return widget


def button(text: str = "", name: str = "") -> QPushButton:
    widget = QPushButton(text)
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
