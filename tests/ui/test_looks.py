"""What the guide measures: text sizes, high contrast; checked on rendered screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import find_and_list

pytestmark = pytest.mark.ui


def ink_height(image: QImage, background: QColor) -> int:
    """Rows of the image holding any pixel far from the background."""
    rows = 0
    for y in range(image.height()):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - background.red()) + abs(c.green() - background.green()) > 200:
                rows += 1
                break
    return rows


def test_the_instruction_and_body_text_meet_the_guide(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    tmp_path: Path,
) -> None:
    instruction = window.home.instruction
    instruction.ensurePolished()
    assert instruction.font().pixelSize() >= 64
    for caption in window.home.way_labels:
        caption.ensurePolished()
        assert caption.font().pixelSize() >= 56
    window.home.staff.ensurePolished()
    assert window.home.staff.font().pixelSize() >= 24
    # and on screen: the rendered Chinese glyphs of the instruction are at least 48 px tall
    shot = window.grab()
    shot.save(str(tmp_path / "home.png"))
    area = instruction.grab().toImage()
    assert ink_height(area, QColor("#ffffff")) >= 48
    find_and_list(qtbot, window, "DEMO0001")
    window.exams.instruction.ensurePolished()
    assert window.exams.instruction.font().pixelSize() >= 64
    window.exams.patient.ensurePolished()
    assert window.exams.patient.font().pixelSize() >= 56


def test_high_contrast_is_white_on_black(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.home.contrast, Qt.MouseButton.LeftButton)
    assert window.high_contrast
    image = window.grab().toImage()
    corner = image.pixelColor(image.width() // 2, image.height() - 5)
    assert corner.lightness() < 20
    area = window.home.instruction.grab().toImage()
    assert ink_height(area, QColor("#000000")) >= 48


def test_every_screen_fits_landscape_and_portrait_kiosks(window: KioskWindow) -> None:
    for index in range(window.stack.count()):
        screen = window.stack.widget(index)
        hint = screen.minimumSizeHint()
        assert hint.width() <= 1080 and hint.height() <= 1080, (type(screen).__name__, hint)


def test_a_camera_kiosk_shows_the_camera_as_a_way_in(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kiosk_app.ui.screens.home import HomeScreen

    home = HomeScreen("医院", (), "zh_CN", camera=True)
    qtbot.addWidget(home)
    captions = [c.text() for c in home.way_labels]
    assert captions[-1] == "摄像头扫码区"
    assert all(not c.startswith("ui.") for c in captions)


def test_english_and_high_contrast_end_with_the_visit_they_were_chosen_for(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    """A whole visit in English and high contrast, printed and done: home is back in the
    kiosk's language and looks, as rendered, for the next patient."""
    qtbot.mouseClick(window.home.language, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.home.contrast, Qt.MouseButton.LeftButton)
    find_and_list(qtbot, window, "DEMO0001")
    assert window.exams.instruction.text() == "Please check these are your exams"
    qtbot.mouseClick(window.exams.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result, timeout=60000)
    assert window.high_contrast and window.language == "en"  # kept to the end of the visit
    qtbot.mouseClick(window.result.home, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    assert window.language == "zh_CN" and not window.high_contrast
    assert window.home.instruction.text().startswith("请扫描检查单条码")
    assert window.header.shown_steps()[0] == "● 1 扫码"
    image = window.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() - 5).lightness() > 235  # white
