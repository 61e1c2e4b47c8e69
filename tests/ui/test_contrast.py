"""What high contrast and the normal looks must show, measured on rendered pixels: a disabled
print button that looks disabled, an unticked box that can be seen, placeholders at 4.5:1."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QStyle, QStyleOptionButton, QWidget

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.screens_walk import many_exams

pytestmark = pytest.mark.ui


def luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + 0.0722 * channel(colour.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def dominant(image: QImage) -> QColor:
    counts = Counter(
        image.pixel(x, y) for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
    )
    return QColor.fromRgb(counts.most_common(1)[0][0])


def ink(image: QImage, background: QColor) -> QColor:
    """The pixel that stands out most from ``background`` (a glyph's stroke)."""
    best, best_ratio = background, 1.0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            ratio = contrast(colour, background)
            if ratio > best_ratio:
                best, best_ratio = colour, ratio
    return best


def _exams(window: KioskWindow, high_contrast: bool) -> None:
    window.set_high_contrast(high_contrast)
    window.stack.setCurrentWidget(window.exams)
    window.exams.show_visit(many_exams(older=False))


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high-contrast"])
def test_a_disabled_print_button_does_not_look_like_one_to_press(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    high_contrast: bool,
) -> None:
    _exams(window, high_contrast)
    button = window.exams.print_button
    assert button.isEnabled()
    enabled = dominant(button.grab().toImage())
    for check in window.exams.checks.values():
        check.setChecked(False)
    assert not button.isEnabled()
    shot = button.grab().toImage()
    disabled = dominant(shot)
    accent = QColor("#ffff00" if high_contrast else "#0b57d0")
    assert contrast(enabled, accent) < 1.1  # the enabled button is the accent colour
    # disabled: nothing of the accent left, far from it, its words still readable
    assert contrast(disabled, accent) > 3, (disabled.name(), accent.name())
    assert contrast(ink(shot, disabled), disabled) >= 4.5


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high-contrast"])
def test_an_unticked_box_can_be_seen(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    high_contrast: bool,
) -> None:
    _exams(window, high_contrast)
    box = next(iter(window.exams.checks.values()))
    box.setChecked(False)
    qtbot.waitUntil(lambda: box.isVisible() and box.height() >= 64)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    option.rect = box.rect()
    area = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    assert area.width() >= 56 and area.height() >= 56  # a finger's box, not a speck
    shot = box.grab(area).toImage()
    background = QColor("#000000" if high_contrast else "#ffffff")
    edge = [
        shot.pixelColor(x, y)
        for y in range(shot.height())
        for x in range(shot.width())
        if contrast(shot.pixelColor(x, y), background) >= 3
    ]
    # an outline of the box at least (4 sides of a 56 px box, 3 px wide, a third of it)
    assert len(edge) >= 56 * 3 * 4 / 3, len(edge)
    box.setChecked(True)
    ticked = box.grab(area).toImage()
    assert ticked != shot  # a tick is drawn


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high-contrast"])
def test_placeholders_have_the_contrast_of_text(window: KioskWindow, high_contrast: bool) -> None:
    window.set_high_contrast(high_contrast)
    fields: list[QWidget] = [window.home.code, window.login.staff_id, window.login.pin]
    window.stack.setCurrentWidget(window.home)
    for field in fields:
        field.clear()
        shot = field.grab().toImage()
        background = dominant(shot)
        stroke = ink(shot.copy(8, 8, shot.width() // 2, shot.height() - 16), background)
        assert contrast(stroke, background) >= 4.5, (field.placeholderText(), stroke.name())
