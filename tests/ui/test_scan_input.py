"""The keyboard fallback: a fast burst ending in Enter is a scan, typing is not."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from kiosk_app.ui.scan_input import ScanInputFilter

pytestmark = pytest.mark.ui


def _type(widget: QLineEdit, text: str, start_ms: int, gap_ms: int) -> list[bool]:
    accepted = []
    for i, char in enumerate(text):
        key = Qt.Key.Key_Return if char == "\r" else Qt.Key(ord(char.upper()))
        event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, char)
        event.setTimestamp(start_ms + i * gap_ms)
        accepted.append(QApplication.sendEvent(widget, event))
    return accepted


def test_a_scan_is_emitted_and_its_enter_swallowed(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = QLineEdit()
    qtbot.addWidget(field)
    returns: list[str] = []
    field.returnPressed.connect(lambda: returns.append(field.text()))
    scans = ScanInputFilter()
    QApplication.instance().installEventFilter(scans)
    try:
        with qtbot.waitSignal(scans.scan_received) as blocker:
            _type(field, "DEMO0001\r", start_ms=10_000, gap_ms=8)
        assert blocker.args == ["DEMO0001"]
        assert returns == []  # the scanner's Enter did not also submit the field
        received: list[str] = []
        scans.scan_received.connect(received.append)
        field.clear()
        _type(field, "DEMO0002\r", start_ms=20_000, gap_ms=180)  # a person typing
        assert received == []
        assert returns == ["DEMO0002"]
    finally:
        QApplication.instance().removeEventFilter(scans)


def test_a_scan_in_the_demo_window_starts_a_visit(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kiosk_app.ui.main import create_window
    from tests.ui.conftest import demo_settings

    window = create_window(demo_settings(tmp_path, KIOSK_HEALTH__ENABLED="false"))
    qtbot.addWidget(window)
    window.show()
    window.home.code.setText("xx")  # someone had started typing
    with qtbot.waitSignal(window.bridge.found, timeout=60_000) as blocker:
        _type(window.home.code, "DEMO0002\r", start_ms=50_000, gap_ms=5)
    assert blocker.args[0].code == "DEMO0002"  # the scan, not "xx" before it
    assert window.stack.currentWidget() is window.exams
    window.bridge.wait_idle()


def test_a_fast_scan_with_repeated_characters_arrives_whole(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A scanner sends "00" within one millisecond: both keys must count (a dropped digit can
    turn one exam's number into another's)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

    from kiosk_app.ui.scan_input import ScanInputFilter

    parent = QWidget()
    qtbot.addWidget(parent)
    field = QLineEdit(parent)
    parent.show()
    scans: list[str] = []
    scan_filter = ScanInputFilter(parent=parent)
    scan_filter.scan_received.connect(scans.append)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(scan_filter)
    try:
        qtbot.keyClicks(field, "AB0011223300")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    finally:
        app.removeEventFilter(scan_filter)
    assert scans == ["AB0011223300"]
