"""The plain kiosk window on the offscreen platform, against the demo archive."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk_app.settings import load
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow

pytestmark = pytest.mark.ui


@pytest.fixture
def window(qtbot, tmp_path: Path) -> KioskWindow:  # type: ignore[no-untyped-def]
    settings = load(
        None,
        demo=True,
        env={
            "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
            "KIOSK_FILM__DPI": "60",
            "KIOSK_HEALTH__PORT": "0",
        },
    )
    win = create_window(settings)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    yield win
    win.bridge.wait_idle()


def visible_text(win: KioskWindow) -> str:
    screen = win.stack.currentWidget()
    from PySide6.QtWidgets import QLabel, QLineEdit

    texts = [label.text() for label in screen.findChildren(QLabel)]
    texts += [edit.text() for edit in screen.findChildren(QLineEdit)]
    return "\n".join(texts)


def test_home_shows_the_instruction_and_demo_codes(window: KioskWindow) -> None:
    text = visible_text(window)
    assert "请扫描检查单条码" in text
    assert "DEMO0001" in text
    assert window.home.code.hasFocus() or window.home.code.isVisible()


def test_typing_a_code_prints_and_shows_the_result(
    qtbot,
    window: KioskWindow,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    qtbot.keyClicks(window.home.code, "DEMO0001")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.result
    text = visible_text(window)
    assert "打印完成" in text
    assert "报告" in text and "胶片" in text
    outputs = sorted(p.name for p in (tmp_path / "output").glob("*.pdf"))
    assert len(outputs) == 2, outputs


def test_an_unknown_code_shows_a_plain_sentence_and_the_message_id(
    qtbot,
    window: KioskWindow,  # type: ignore[no-untyped-def]
) -> None:
    qtbot.keyClicks(window.home.code, "NOPE9999")
    with qtbot.waitSignal(window.bridge.print_failed, timeout=10000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    text = visible_text(window)
    assert "没有找到" in text
    assert "[exam.none_found]" in text
    assert "Traceback" not in text and "Error" not in text


def test_returning_home_wipes_the_patient_from_every_screen(
    qtbot,
    window: KioskWindow,  # type: ignore[no-untyped-def]
) -> None:
    qtbot.keyClicks(window.home.code, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    assert window.result.details.text()
    window.idle_timer.setInterval(50)
    window.idle_timer.start()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=2000)
    assert window.result.details.text() == ""
    assert window.result.headline.text() == ""
    assert window.home.code.text() == ""


def test_reasons_are_shown_in_the_screens_language(
    qtbot,
    window: KioskWindow,  # type: ignore[no-untyped-def]
) -> None:
    qtbot.keyClicks(window.home.code, "DEMO0002")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        qtbot.keyClick(window.home.code, Qt.Key.Key_Return)
    text = window.result.details.text()
    assert "报告尚未完成，预计" in text
    assert "not final" not in text
