"""The background worker's answers reach only screens that still exist: an answer that arrives
after Qt deleted its screen (a patient's timeout, a window closed) is dropped, not run on a
deleted widget (which raised "Internal C++ object already deleted" on a pool thread's answer)."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from kiosk_app.ui.bridge import Worker


class Screen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel(self)
        self.answers: list[object] = []

    def show_answer(self, value: object) -> None:
        self.label.setText(str(value))  # touches the C++ widget, as every screen's handler does
        self.answers.append(value)


def test_an_answer_for_a_deleted_screen_is_dropped(qtbot: QtBot) -> None:
    worker = Worker()
    screen = Screen()
    release = threading.Event()
    failures: list[Exception] = []
    worker.call(lambda: release.wait(5) and "late", screen.show_answer, failures.append)
    shiboken6.delete(screen)  # Qt deletes the screen while the call is still running
    release.set()
    assert worker.wait_idle(5000)
    qtbot.wait(50)  # the queued answer is delivered to the GUI thread now
    assert failures == []
    assert not shiboken6.isValid(screen)


def test_a_closure_is_tied_to_its_screen_by_owner(qtbot: QtBot) -> None:
    worker = Worker()
    screen, kept = Screen(), Screen()
    seen: list[str] = []
    release = threading.Event()
    worker.call(
        lambda: release.wait(5) and "gone",
        lambda value: (seen.append(value), screen.show_answer(value)),
        lambda exc: seen.append(repr(exc)),
        owner=screen,
    )
    worker.call(lambda: "here", lambda value: kept.show_answer(value), print, owner=kept)
    shiboken6.delete(screen)
    release.set()
    assert worker.wait_idle(5000)
    qtbot.waitUntil(lambda: kept.answers == ["here"], timeout=2000)
    qtbot.wait(50)
    assert seen == []  # the deleted screen's handler never ran
    assert kept.label.text() == "here"
