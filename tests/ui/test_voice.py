"""Voice prompts in the real window: each patient screen says its prompt in the screen's
language when a site turns voice on; maintenance says nothing; off, nothing plays at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from drivers.audio.fake import FakePromptPlayer
from kiosk_app.app import Devices
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import demo_settings, find_and_list

pytestmark = pytest.mark.ui


def make_window(qtbot: QtBot, tmp_path: Path, player: FakePromptPlayer, **env: str) -> KioskWindow:
    win = create_window(demo_settings(tmp_path, **env), Devices(prompt_player=player))
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    return win


@pytest.fixture
def player() -> FakePromptPlayer:
    return FakePromptPlayer()


@pytest.fixture
def voiced(qtbot: QtBot, tmp_path: Path, player: FakePromptPlayer) -> Iterator[KioskWindow]:
    win = make_window(qtbot, tmp_path, player, KIOSK_VOICE__ENABLED="true")
    yield win
    win.bridge.wait_idle()
    win.worker.wait_idle()


def said(player: FakePromptPlayer, win: KioskWindow) -> list[str]:
    """``locale/prompt`` for each file played."""
    assert win.voice is not None
    return [str(p.relative_to(win.voice.directory).with_suffix("")) for p in player.played]


def walk_a_visit(qtbot: QtBot, win: KioskWindow) -> None:
    find_and_list(qtbot, win, "DEMO0001")
    with qtbot.waitSignal(win.bridge.print_finished, timeout=30000):
        win.exams.print_button.click()
    assert win.stack.currentWidget() is win.result
    qtbot.mouseClick(win.result.home, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.home


def test_each_screen_of_a_visit_says_its_prompt_in_the_screens_language(
    qtbot: QtBot,
    voiced: KioskWindow,
    player: FakePromptPlayer,
) -> None:
    assert player.played == []  # nothing at start-up
    qtbot.mouseClick(voiced.home.language, Qt.MouseButton.LeftButton)
    assert said(player, voiced) == ["en/home"]  # the language switch says home in English
    qtbot.mouseClick(voiced.home.language, Qt.MouseButton.LeftButton)
    player.played.clear()
    walk_a_visit(qtbot, voiced)
    assert said(player, voiced) == [
        "zh_CN/finding",
        "zh_CN/exams",
        "zh_CN/printing",
        "zh_CN/done",
        "zh_CN/home",
    ]
    assert all(path.is_file() for path in player.played)  # the shipped files


def test_english_and_the_keypad_and_errors_have_their_prompts(
    qtbot: QtBot,
    voiced: KioskWindow,
    player: FakePromptPlayer,
) -> None:
    voiced.set_language("en")
    qtbot.mouseClick(voiced.home.type_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(voiced.bridge.find_failed, timeout=30000):
        for char in "NOSUCH1":
            voiced.keypad.code.insert(char)
        qtbot.mouseClick(voiced.keypad.find_button, Qt.MouseButton.LeftButton)
    assert said(player, voiced) == ["en/keypad", "en/finding", "en/error"]


def test_maintenance_is_silent(
    qtbot: QtBot,
    voiced: KioskWindow,
    player: FakePromptPlayer,
) -> None:
    voiced.home.corner_timer.setInterval(30)
    qtbot.mousePress(voiced.home.corner, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: voiced.stack.currentWidget() is voiced.login, timeout=2000)
    qtbot.mouseRelease(voiced.home.corner, Qt.MouseButton.LeftButton)
    assert player.played == [] and player.stops == 1  # the login screen stops any prompt
    voiced.login.staff_id.setText("nurse01")
    voiced.login.pin.setText("1234")
    voiced.login.submit()
    qtbot.waitUntil(lambda: voiced.stack.currentWidget() is voiced.panel, timeout=10000)
    assert player.played == [] and player.stops == 2


def test_with_voice_off_nothing_plays(
    qtbot: QtBot, tmp_path: Path, player: FakePromptPlayer
) -> None:
    win = make_window(qtbot, tmp_path, player)  # the default: off
    qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    walk_a_visit(qtbot, win)
    assert player.played == [] and player.stops == 0
    win.bridge.wait_idle()
    win.worker.wait_idle()
