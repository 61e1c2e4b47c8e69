"""Geometry that cannot break: on a landscape and a portrait kiosk, in both languages and both
contrasts, every screen keeps the window at the screen's size, every button on it is wholly
on screen and no text is cut; long lists scroll with a bar a finger can use."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QCheckBox

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.screens_walk import layout_problems, many_exams, overview, walk

pytestmark = pytest.mark.ui

LANDSCAPE, PORTRAIT = (1920, 1080), (1080, 1920)
LOOKS = [(language, contrast) for language in ("zh_CN", "en") for contrast in (False, True)]


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_every_screen_fits_the_screen_in_both_languages_and_contrasts(
    window: KioskWindow, size: tuple[int, int]
) -> None:
    window.resize(*size)
    problems = []
    walked = []
    for language, contrast in LOOKS:
        for name in walk(window, language, contrast):
            walked.append(name)
            where = f"{size[0]}x{size[1]} {language} {'high contrast' if contrast else 'normal'}"
            if (window.width(), window.height()) != size:
                problems.append(f"{where} {name}: the window grew to {window.size()}")
            problems += [f"{where} {name}: {problem}" for problem in layout_problems(window)]
    assert not problems, "\n".join(problems)
    # every screen was shown, in every look
    assert len(walked) == len(LOOKS) * 18, walked
    assert {"home", "exams", "paused", "done-mixed", "error", "maintenance-0"} <= set(walked)


def test_the_checker_sees_a_cut_button_and_a_button_off_screen(window: KioskWindow) -> None:
    """The checks above can fail: the print button squeezed, and pushed off the window."""
    window.resize(*PORTRAIT)
    for _ in walk(window, "zh_CN", False):
        if window.stack.currentWidget() is window.exams:
            break
    button = window.exams.print_button
    assert layout_problems(window) == []
    button.setFixedWidth(300)
    assert any("needs" in p and "打印" in p for p in layout_problems(window))
    button.setMinimumWidth(0)
    button.setMaximumWidth(16777215)
    window.resize(1080, 1200)  # the window smaller than the screen's content: cut
    window.exams.setMinimumHeight(1900)
    window.exams.resize(1080, 1900)
    assert any("not inside the window" in p for p in layout_problems(window))
    window.exams.setMinimumHeight(0)


def test_content_never_grows_the_window(window: KioskWindow) -> None:
    """A nurse's overview with every tile and job (1920x1257 before) leaves it at 1920x1080."""
    window.resize(*LANDSCAPE)
    panel = window.panel
    assert panel is not None
    window.stack.setCurrentWidget(panel)
    panel.show_overview(overview())
    window.exams.show_visit(many_exams())
    window.stack.setCurrentWidget(window.exams)
    window.stack.setCurrentWidget(panel)
    assert (window.width(), window.height()) == LANDSCAPE
    window.stack.setCurrentWidget(window.home)
    assert (window.width(), window.height()) == LANDSCAPE


def test_a_long_exam_list_scrolls_with_a_wide_bar_tapped_not_dragged(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    """The 5th exam is below the fold, behind a bar a finger can tap (not 2 px): its down
    arrow brings the last row into view."""
    window.resize(*LANDSCAPE)
    exams = window.exams
    window.stack.setCurrentWidget(exams)
    exams.show_visit(many_exams(older=False))
    qtbot.waitUntil(lambda: exams.scroll_area.verticalScrollBar().maximum() > 0)
    bar = exams.scroll_area.verticalScrollBar()
    assert bar.isVisible()
    assert bar.width() >= 60 and bar.height() >= 400
    viewport = exams.scroll_area.viewport()
    last = list(exams.findChildren(QCheckBox))[-1]

    def in_view(widget: QCheckBox) -> bool:
        at = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
        return viewport.rect().contains(at)

    assert not in_view(last)
    for _ in range(200):  # taps on the down arrow, at the bottom of the bar
        if in_view(last):
            break
        qtbot.mouseClick(
            bar, Qt.MouseButton.LeftButton, pos=QPoint(bar.width() // 2, bar.height() - 20)
        )
    assert in_view(last)
    assert bar.value() > 0
