"""The on-screen keypad: digits laid out as on a telephone (1-9, then X 0 ⌫), so an ID number
is typed on one block; the letters of an exam slip's code beside it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from kiosk_app.ui.main_window import KioskWindow

pytestmark = pytest.mark.ui


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_the_digits_are_laid_out_1_to_9_then_x_0_and_erase(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    size: tuple[int, int],
) -> None:
    window.resize(*size)
    qtbot.mouseClick(window.home.type_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.keypad
    pad = window.keypad.keypad
    qtbot.waitUntil(lambda: pad.keys["9"].isVisible())

    def at(char: str) -> QPoint:
        key = pad.delete if char == "⌫" else pad.keys[char]
        return key.mapTo(window, QPoint(0, 0))

    rows = ["123", "456", "789", "X0⌫"]
    for line, chars in enumerate(rows):
        points = [at(c) for c in chars]
        assert len({p.y() for p in points}) == 1, chars  # one row
        assert points[0].x() < points[1].x() < points[2].x(), chars  # left to right
        if line:
            assert points[0].y() > at(rows[line - 1][0]).y()  # below the row before
            assert points[0].x() == at(rows[line - 1][0]).x()  # in the same columns
    assert at("A").x() > at("3").x()  # the letters beside the digits
    for char in "11010119680315031X":
        qtbot.mouseClick(pad.keys[char], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.keys["5"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.delete, Qt.MouseButton.LeftButton)
    assert window.keypad.code.text() == "11010119680315031X"
    screen = window.rect()
    for key in [*pad.keys.values(), pad.delete]:
        corner = key.mapTo(window, QPoint(0, 0))
        assert screen.contains(corner) and screen.contains(
            corner + QPoint(key.width() - 1, key.height() - 1)
        )
        assert key.width() >= 120 and key.height() >= 114
