"""The header over every screen: the hospital's name from the settings, the time, and where
the patient is in the visit (扫码 → 确认 → 打印 → 取件); none of the steps on a nurse's screen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import demo_settings, find_and_list, shown_window

pytestmark = pytest.mark.ui


def _marked(window: KioskWindow) -> list[str]:
    header = window.header
    if not header.steps.isVisible():
        return []
    return [s for s in header.shown_steps() if s.startswith("●")]


def test_the_header_names_the_hospital_tells_the_time_and_follows_the_visit(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    settings = demo_settings(tmp_path, KIOSK_KIOSK__HOSPITAL_NAME="北京协和医院放射科")
    windows = shown_window(qtbot, settings)
    window = next(windows)
    try:
        header = window.header
        assert header.hospital.text() == "北京协和医院放射科" and header.hospital.isVisible()
        header.now = lambda: datetime(2026, 12, 4, 9, 5)
        header.tick()
        assert header.clock.text() == "09:05"
        assert _marked(window) == ["● 1 扫码"]
        assert header.shown_steps() == ["● 1 扫码", "2 确认", "3 打印", "4 取件"]
        assert header.steps.accessibleName() == "● 1 扫码 → 2 确认 → 3 打印 → 4 取件"
        find_and_list(qtbot, window, "DEMO0001")
        assert _marked(window) == ["● 2 确认"]
        window.set_language("en")
        assert _marked(window) == ["● 2 Confirm"]
        qtbot.mouseClick(window.exams.print_button, Qt.MouseButton.LeftButton)
        assert window.stack.currentWidget() is window.printing
        assert _marked(window) == ["● 3 Print"]
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result, timeout=60000)
        assert _marked(window) == ["● 4 Collect"]
        window.open_login()
        assert window.stack.currentWidget() is window.login
        assert _marked(window) == [] and header.hospital.isVisible()
    finally:
        next(windows, None)  # its workers let finish


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_the_current_step_is_drawn_on_the_accent_in_either_contrast(
    window: KioskWindow, size: tuple[int, int]
) -> None:
    window.resize(*size)
    steps = window.header.steps
    for high_contrast, accent in ((False, QColor("#0b57d0")), (True, QColor("#ffff00"))):
        window.set_high_contrast(high_contrast)
        for current in range(4):
            window.header.set_step(current)
            assert steps.width() >= steps.sizeHint().width()  # every word of it on screen
            image = steps.grab().toImage()
            columns = [
                x
                for x in range(0, image.width(), 2)
                for y in (4, image.height() // 2)
                if _near(image.pixelColor(x, y), accent)
            ]
            assert columns, (high_contrast, current)
            # the marked box is where the current step is: left of centre for the first,
            # right of it for the last
            middle = (min(columns) + max(columns)) / 2
            if current == 0:
                assert middle < image.width() / 2
            if current == 3:
                assert middle > image.width() / 2


def _near(colour: QColor, target: QColor) -> bool:
    return (
        abs(colour.red() - target.red())
        + abs(colour.green() - target.green())
        + abs(colour.blue() - target.blue())
        < 40
    )
