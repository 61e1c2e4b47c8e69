"""The patient flow in the real window, on the offscreen platform, against the demo archive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QWidget

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import find_and_list, texts_of, visible_text, visits_on

pytestmark = pytest.mark.ui

PATIENT_TRACES = ("张三", "张*", "李晓梅", "李*梅", "0315", "DEMO0001", "DEMO0002", "腰椎", "头颅")


def test_home_shows_the_instruction_pictures_and_demo_codes(window: KioskWindow) -> None:
    text = visible_text(window)
    assert "请扫描检查单条码" in text
    assert "检查单条码" in text and "电子健康卡" in text and "身份证" in text
    assert "DEMO0001" in text
    assert window.home.code.isVisible()


def test_the_exam_list_masks_the_name_and_selects_everything_printable(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    # patient 1's ID number: two exams, both recent on this date (tests/ui/test_exam_offer.py
    # has an older one)
    visits_on(window, date(2024, 5, 25), recent_days=365)
    find_and_list(qtbot, window, "110101196803150315")
    text = visible_text(window)
    assert "张*" in text and "张三" not in text
    assert "0315" in text and "110101196803150315" not in text
    assert "2024-05-20" in text and "CT" in text and "腰椎CT增强扫描" in text
    assert "2023-11-02" in text and "头颅MR平扫" in text
    assert text.count("可打印") == 4
    checks = window.exams.findChildren(QCheckBox)
    assert len(checks) == 4 and all(c.isChecked() for c in checks)
    # what will come out: pages and film sheets (tests/ui/test_print_counts.py checks them)
    assert window.exams.print_button.text() == "打印 2 份报告（2 页）和 2 张胶片"
    checks[0].setChecked(False)
    assert window.exams.print_button.text() == "打印 1 份报告（1 页）和 2 张胶片"


def test_a_whole_visit_prints_with_progress_and_shows_the_result(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    tmp_path: Path,
) -> None:
    find_and_list(qtbot, window, "DEMO0001")
    sheets: list[tuple[int, int, int, str]] = []
    window.bridge.sheet_progress.connect(lambda *a: sheets.append(a))
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        qtbot.mouseClick(window.exams.print_button, Qt.MouseButton.LeftButton)
        assert window.stack.currentWidget() is window.printing
    # each job's sheets were reported as the printer confirmed them, and shown as "n/m"
    assert any(confirmed == units and units > 0 for _job, confirmed, units, _s in sheets)
    assert window.stack.currentWidget() is window.result
    text = visible_text(window)
    assert "打印完成" in text
    assert "报告" in text and "胶片" in text
    assert "请带好您的身份证" in text
    outputs = sorted(p.name for p in (tmp_path / "output").glob("*.pdf"))
    assert len(outputs) == 2, outputs


def test_the_printing_screen_counts_sheets_per_item(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
    # the printing screen's rows were filled before the result replaced it
    lines = [t for t in texts_of(window.printing) if "/" in t]
    assert "报告 1/1" in lines and "胶片 1/1" in lines


def test_an_unknown_code_shows_a_plain_sentence_and_the_message_id(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    qtbot.keyClicks(window.home.code, "NOPE9999")
    with qtbot.waitSignal(window.bridge.find_failed, timeout=10000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    text = visible_text(window)
    assert "没有找到" in text
    assert "服务台" in text
    assert "[exam.none_found]" in text
    assert "Traceback" not in text and "Error" not in text


def test_cancel_while_finding_returns_home_and_drops_the_answer(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    # Cancelled while the code is checked against the staff cards: no look-up starts at all.
    with qtbot.assertNotEmitted(window.bridge.found, wait=500):
        window.submit_scan("DEMO0001")
        assert window.stack.currentWidget() is window.finding
        qtbot.mouseClick(window.finding.cancel, Qt.MouseButton.LeftButton)
        window.worker.wait_idle()
        window.bridge.wait_idle()
    assert window.stack.currentWidget() is window.home
    # Cancelled while the look-up runs (a site without staff cards): its answer is dropped.
    window.pin_gate.cards = ()
    window.submit_scan("DEMO0001")
    assert window.stack.currentWidget() is window.finding
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        qtbot.mouseClick(window.finding.cancel, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    assert window.found is None


def test_the_on_screen_keypad_types_a_code(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    qtbot.mouseClick(window.home.type_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.keypad
    for char in "DEMO00011":
        qtbot.mouseClick(window.keypad.keypad.keys[char], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.keypad.keypad.delete, Qt.MouseButton.LeftButton)
    assert window.keypad.code.text() == "DEMO0001"
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        qtbot.mouseClick(window.keypad.find_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.exams


def _all_text(window: KioskWindow) -> str:
    return "\n".join(texts_of(window))


def test_idle_counts_down_then_wipes_the_patient_from_every_screen_and_memory(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, "DEMO0001")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
    window.submit_scan("DEMO0002")  # a second patient on the list when the idle reset comes
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.exams, timeout=30000)
    assert "李*梅" in _all_text(window)
    idle = window.session.config.idle_timeout_s
    window.advance_clock(idle - 11)
    assert not window.countdown.isVisible()
    window.advance_clock(1)  # the session's clock: ten seconds before the reset
    qtbot.waitUntil(window.countdown.isVisible, timeout=2000)
    assert "10 秒后回到首页" in window.countdown.text.text()
    # "more time" keeps the patient's list
    qtbot.mouseClick(window.countdown.more, Qt.MouseButton.LeftButton)
    assert not window.countdown.isVisible()
    assert window.stack.currentWidget() is window.exams
    window.advance_clock(idle - 10)
    assert "10 秒后回到首页" in window.countdown.text.text()
    window.advance_clock(10)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    everything = _all_text(window)
    for trace in PATIENT_TRACES:
        if trace.startswith("DEMO"):
            assert trace not in everything.replace(window.home.demo.text(), ""), trace
        else:
            assert trace not in everything, trace
    assert window.found is None and window.exams.visit is None
    assert window.exams.findChildren(QCheckBox) == []


def test_scanning_on_the_result_screen_starts_the_next_patient_clean(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
    assert window.result.details.text()
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        window.submit_scan("DEMO0002")
    assert window.result.details.text() == "" and window.result.headline.text() == ""
    assert "王*然" not in _all_text(window)


def test_reasons_and_states_are_shown_in_the_screens_language(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, "DEMO0002")
    text = visible_text(window)
    assert "报告尚未完成，预计" in text
    assert "not final" not in text
    window.set_language("en")
    text = visible_text(window)
    assert "not final yet; expected at" in text
    assert "Please check these are your exams" in text
    assert "报告尚未完成" not in text


def test_the_language_switch_on_home_changes_every_screen_at_run_time(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    qtbot.mouseClick(window.home.language, Qt.MouseButton.LeftButton)
    assert window.language == "en"
    assert "Scan your exam slip" in visible_text(window)
    assert window.home.language.text() == "中文"
    qtbot.keyClicks(window.home.code, "NOPE9999")
    with qtbot.waitSignal(window.bridge.find_failed, timeout=10000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    assert "No exams were found" in visible_text(window)
    window.go_home()  # the next patient starts in the kiosk's language (issue 19)
    assert window.language == "zh_CN"
    assert "请扫描检查单条码" in visible_text(window)
    qtbot.mouseClick(window.home.language, Qt.MouseButton.LeftButton)
    assert "Scan your exam slip" in visible_text(window)


def test_every_button_is_a_touch_target_of_120_px(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, "DEMO0001")
    screens: list[QWidget] = [window.home, window.keypad, window.exams, window.result]
    for screen in screens:
        window.stack.setCurrentWidget(screen)
        qtbot.wait(10)
        from PySide6.QtWidgets import QPushButton

        for widget in screen.findChildren(QPushButton):
            if widget.isVisible():
                assert widget.width() >= 120 and widget.height() >= 120, (
                    type(screen).__name__,
                    widget.text(),
                    widget.size(),
                )


def test_the_next_patient_starts_in_the_kiosks_language_and_contrast(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    qtbot.mouseClick(window.home.language, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.home.contrast, Qt.MouseButton.LeftButton)
    assert window.language == "en" and window.high_contrast
    find_and_list(qtbot, window, "DEMO0001")
    assert "Please check these are your exams" in visible_text(window)  # kept for the visit
    qtbot.mouseClick(window.exams.back, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    assert window.language == "zh_CN" and not window.high_contrast
    assert "请扫描检查单条码" in visible_text(window)


def test_a_cancelled_visits_answer_never_shows_for_the_next_patient(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    window.pin_gate.cards = ()  # straight to the look-up
    found = []
    window.bridge.found.connect(lambda visit: found.append(visit.code))
    window.submit_scan("DEMO0001")
    qtbot.mouseClick(window.finding.cancel, Qt.MouseButton.LeftButton)
    window.submit_scan("DEMO0002")  # the next patient, while the first answer is on its way
    qtbot.waitUntil(lambda: found == ["DEMO0001", "DEMO0002"], timeout=30000)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.exams, timeout=5000)
    assert window.found is not None and window.found.code == "DEMO0002"
    assert "李*梅" in window.exams.patient.text()
