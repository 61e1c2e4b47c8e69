"""What the screen tells the centre's remote operations: who is at the kiosk, and when a
restart the centre asked for may happen."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk_app.services.operations import OperationRefusedError, Present
from kiosk_app.ui.main import RestartWatch
from tests.ui.conftest import demo_settings, find_and_list, shown_window


def test_presence_follows_the_screens_and_refuses_a_test_print_mid_visit(
    qtbot: QtBot, tmp_path: Path
) -> None:
    for win in shown_window(qtbot, demo_settings(tmp_path)):
        assert win.kiosk is not None
        operations = win.kiosk.operations
        assert operations.presence.now is Present.NOBODY
        find_and_list(qtbot, win, "DEMO0001")  # a patient's exams on screen
        assert operations.presence.now is Present.PATIENT
        try:
            operations.test_page("film", "remote.noc")
        except OperationRefusedError as exc:
            assert exc.status == 409 and "patient" in str(exc)
        else:
            raise AssertionError("a test print went out while a patient was at the kiosk")
        # A restart asked for now waits: the window stays open while the patient is there.
        operations.request_restart("remote.noc")
        watch = RestartWatch(win)
        watch.check()
        assert not watch.restarting and win.isVisible()
        win.go_home()
        assert operations.presence.now is Present.NOBODY
        win.open_login()
        assert operations.presence.now is Present.NURSE
        watch.check()
        assert not watch.restarting  # nor while a nurse logs in
        win.go_home()
        watch.check()  # nobody there, nothing printing: the window closes for the restart
        assert watch.restarting
        qtbot.waitUntil(lambda w=win: not w.isVisible(), timeout=5000)
