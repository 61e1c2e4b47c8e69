"""Maintenance mode: long press + PIN, lockout, device tiles, a jam cleared and the job resumed,
film loaded, a reprint authorised; every action in the audit log with the staff id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from drivers.printer.fake import FakeFault
from kiosk_app.core.pin import DEMO_STAFF_CARD
from kiosk_app.core.session import State
from kiosk_app.store.repositories import AuditRepository
from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import demo_settings, find_and_list, shown_window, visible_text

pytestmark = pytest.mark.ui


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    settings = demo_settings(
        tmp_path, KIOSK_PRINTING__JOB_TIMEOUT="2", KIOSK_PRINTING__POLL_INTERVAL="0.05"
    )
    yield from shown_window(qtbot, settings)


def audit(win: KioskWindow) -> list[tuple[str, str, str, dict[str, object]]]:
    assert win.kiosk is not None
    with win.kiosk.store.session() as session:
        return [
            (a.actor, a.action, a.subject, json.loads(a.detail or "{}"))
            for a in reversed(AuditRepository(session).recent(200))
        ]


def log_in(qtbot, win: KioskWindow, staff: str = "nurse01", pin: str = "1234") -> None:  # type: ignore[no-untyped-def]
    win.home.corner_timer.setInterval(30)
    qtbot.mousePress(win.home.corner, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.login, timeout=2000)
    qtbot.mouseRelease(win.home.corner, Qt.MouseButton.LeftButton)
    win.login.staff_id.setText(staff)
    for digit in pin:
        win.login.pin.setFocus()
        qtbot.mouseClick(win.login.keypad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(win.login.enter, Qt.MouseButton.LeftButton)


def test_a_short_press_in_the_corner_does_nothing(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.home.corner, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert window.stack.currentWidget() is window.home


def submit_pin(qtbot, win: KioskWindow, pin: str) -> None:  # type: ignore[no-untyped-def]
    win.login.pin.setText(pin)
    win.login.submit()
    qtbot.waitUntil(win.login.enter.isEnabled, timeout=5000)  # checked on a worker thread


def test_five_wrong_pins_lock_maintenance_and_are_audited(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    log_in(qtbot, window, pin="9999")
    qtbot.waitUntil(window.login.enter.isEnabled, timeout=5000)
    assert "还可尝试 4 次" in window.login.message.text()
    for _ in range(4):
        submit_pin(qtbot, window, "9999")
    assert "锁定" in window.login.message.text()
    submit_pin(qtbot, window, "1234")  # the right PIN, too late
    assert window.stack.currentWidget() is window.login
    assert "锁定" in window.login.message.text()
    window.worker.wait_idle()
    qtbot.wait(50)
    failed = [a for a in audit(window) if a[1] == "maintenance.pin_failed"]
    assert len(failed) == 6 and failed[0][0] == "nurse01"
    qtbot.mouseClick(window.login.back, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home


def test_the_kiosk_cannot_be_closed_except_from_maintenance(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.panel is not None
    window.locked = True  # as ``kiosk run`` sets it in fullscreen
    window.close()
    assert window.isVisible()
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=5000)
    window.panel.quit_button.click()  # one tap only asks
    qtbot.wait(300)
    assert window.isVisible()
    assert window.panel.quit_button.text() == "再按一次关闭"
    assert "自动重新启动" in window.panel.status.text()
    window.panel.quit_button.click()  # the second one quits
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert ("nurse01", "maintenance.quit") in [(a[0], a[1]) for a in audit(window)]
    window.locked = False


def test_a_single_tap_on_quit_is_forgotten_after_a_few_seconds(
    qtbot, window: KioskWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from kiosk_app.ui.maintenance import panel as panel_module

    monkeypatch.setattr(panel_module, "QUIT_CONFIRM_MS", 200)
    assert window.panel is not None
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=5000)
    window.panel.quit_button.click()
    qtbot.waitUntil(lambda: window.panel.quit_button.text() == "关闭程序", timeout=3000)
    window.panel.quit_button.click()  # a first tap again, not a second one
    qtbot.wait(100)
    assert window.isVisible()
    assert "maintenance.quit" not in [a[1] for a in audit(window)]


def test_the_device_tiles_show_each_device_in_words(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.panel is not None
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    assert window.stack.currentWidget() is window.panel
    text = visible_text(window)
    assert "报告打印机" in text and "胶片打印机" in text and "影像云" in text
    assert text.count("正常") == 3
    qtbot.mouseClick(window.panel.exit_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    window.worker.wait_idle()
    qtbot.wait(50)
    actions = [(a[0], a[1]) for a in audit(window)]
    assert ("nurse01", "maintenance.entered") in actions
    assert ("nurse01", "maintenance.exited") in actions


def test_a_jam_is_cleared_in_maintenance_and_the_job_resumes(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.kiosk is not None and window.panel is not None
    film_printer = window.kiosk.film_printer
    film_printer.fail_next = FakeFault.JAM  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
        # while the job waits, the printing screen says so in one sentence
        qtbot.waitUntil(lambda: "打印机暂停了" in window.printing.stopped.text(), timeout=10000)
        assert "没有丢失" in window.printing.stopped.text()
    # the patient is told plainly; nothing is lost, the desk is named
    assert "打印失败" in visible_text(window) or "没有丢失" in visible_text(window)
    window.go_home()
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    text = visible_text(window)
    assert "故障" in text
    assert "打开" in window.panel.steps.text() and "前盖" in window.panel.steps.text()
    resume = [
        b for b in window.panel.jobs_box.findChildren(QPushButton) if b.property("job") is not None
    ]
    assert len(resume) == 1
    film_printer.clear_fault()  # type: ignore[attr-defined]  # the nurse took the film out
    resume[0].click()
    qtbot.waitUntil(lambda: "已继续" in window.panel.status.text(), timeout=30000)
    assert "1/1" in window.panel.status.text()
    actions = [(a[0], a[1]) for a in audit(window)]
    assert ("nurse01", "job.resumed") in actions


def test_film_loaded_and_a_reprint_are_recorded_with_the_staff_id(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    assert window.panel is not None
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
    window.go_home()
    log_in(qtbot, window, staff="nurse07")
    panel = window.panel
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=10000)
    panel.tabs.setCurrentIndex(1)
    panel.count.setText("100")
    panel.load_button.click()
    qtbot.waitUntil(lambda: "100" in panel.status.text(), timeout=10000)
    panel.tabs.setCurrentIndex(2)
    panel.reprint_code.setText("DEMO0003")
    panel.reprint_find.click()
    qtbot.waitUntil(lambda: len(panel.reprint_items) == 2, timeout=10000)
    choices = [b for b in panel.reprint_box.findChildren(QPushButton) if "胶片" in b.text()]
    choices[0].click()
    panel.reason_buttons[0].click()
    panel.authorise.click()
    qtbot.waitUntil(lambda: "#" in panel.status.text(), timeout=10000)
    actions = {a[1]: a for a in audit(window) if a[0] == "nurse07"}
    assert actions["supply.loaded"][3] == {"count": 100}
    assert actions["reprint.authorised"][3]["reason"] == "胶片污损"
    qtbot.mouseClick(panel.exit_button, Qt.MouseButton.LeftButton)
    # the patient may now print the film once more (the report stays "already printed")
    find_and_list(qtbot, window, "DEMO0003")
    text = visible_text(window)
    assert text.count("可打印") == 1 and "已打印。如需补打，请到服务台。" in text


def test_a_test_print_reaches_each_printer_and_is_audited(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    tmp_path: Path,
) -> None:
    assert window.panel is not None
    log_in(qtbot, window, staff="nurse03")
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    buttons = {
        b.property("test_print"): b
        for b in window.panel.findChildren(QPushButton)
        if b.property("test_print")
    }
    assert set(buttons) == {"report", "film"}
    for role in ("report", "film"):
        window.panel.status.clear()
        buttons[role].click()
        qtbot.waitUntil(lambda: "测试打印已发送" in window.panel.status.text(), timeout=10000)
        # the overview is refreshed after each action: take the new buttons
        window.worker.wait_idle()
        qtbot.wait(50)
        buttons = {
            b.property("test_print"): b
            for b in window.panel.findChildren(QPushButton)
            if b.property("test_print")
        }
    outputs = list((tmp_path / "output").rglob("*.pdf"))
    assert len(outputs) == 2, outputs
    tests = [a for a in audit(window) if a[1] == "maintenance.test_print"]
    assert [a[0] for a in tests] == ["nurse03", "nurse03"]


def test_a_staff_card_while_a_print_waits_for_a_nurse_opens_maintenance_and_the_outcome_follows(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    settings = demo_settings(
        tmp_path, KIOSK_PRINTING__JOB_TIMEOUT="4", KIOSK_PRINTING__POLL_INTERVAL="0.05"
    )
    window = next(shown_window(qtbot, settings))
    assert window.kiosk is not None and window.panel is not None
    window.kiosk.film_printer.fail_next = FakeFault.JAM  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
        qtbot.waitUntil(lambda: window.session.state.state is State.PAUSED, timeout=10000)
        assert window.stack.currentWidget() is window.printing
        window.submit_scan(DEMO_STAFF_CARD)  # the nurse's card, while the job waits for her
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=3000)
        assert window.panel.staff == "demo-nurse"
    # the jam timed out while the nurse worked: the patient's outcome shows once she leaves
    assert window.stack.currentWidget() is window.panel
    qtbot.mouseClick(window.panel.exit_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.result
    assert "胶片" in window.result.details.text()
    window.bridge.wait_idle()
    window.worker.wait_idle()


def test_a_paused_print_lets_the_patient_leave_and_the_nurse_in_by_the_corner(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    settings = demo_settings(
        tmp_path, KIOSK_PRINTING__JOB_TIMEOUT="4", KIOSK_PRINTING__POLL_INTERVAL="0.05"
    )
    window = next(shown_window(qtbot, settings))
    assert window.kiosk is not None
    window.kiosk.film_printer.fail_next = FakeFault.JAM  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0003")
    assert window.nurse_corner.isVisible()  # on the exam list too
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
        qtbot.waitUntil(lambda: window.session.state.state is State.PAUSED, timeout=10000)
        screen = window.printing
        qtbot.waitUntil(lambda: screen.leave.isVisible(), timeout=3000)
        assert "服务台领取" in screen.stopped.text() and screen.time_left.text() == ""
        # The corner is there for a nurse on this screen too: held, it opens the login.
        assert window.nurse_corner.isVisible()
        window.corner_timer.setInterval(100)
        qtbot.mousePress(window.nurse_corner, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login, timeout=3000)
        qtbot.mouseRelease(window.nurse_corner, Qt.MouseButton.LeftButton)
        assert not window.nurse_corner.isVisible()
        qtbot.mouseClick(window.login.back, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.printing, timeout=3000)
        # The patient does not wait: "leave" takes them home, the job waits for the nurse.
        qtbot.mouseClick(screen.leave, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    qtbot.wait(200)
    assert window.stack.currentWidget() is window.home  # the late outcome did not show
    assert not window.nurse_corner.isVisible()  # home has its own corner
    assert [j.kind.value for j in window.kiosk.maintenance.waiting_jobs()] == ["film"]
    window.bridge.wait_idle()
    window.worker.wait_idle()
