"""Scanners and the ID card reader feeding the real demo window from their own threads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from drivers.idcard.card import CardType, IdCard
from drivers.idcard.fake import FakeIdCardReader
from drivers.scanner.fake import FakeScanner
from kiosk_app.app import Devices
from kiosk_app.core.models import ItemState
from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import demo_settings, shown_window, visits_on

pytestmark = pytest.mark.ui

DEMO_PATIENT_ID_NUMBER = "110101196803150315"  # DP0001: DEMO0001 and DEMO0004


def card(number: str, card_type: CardType = CardType.RESIDENT) -> IdCard:
    return IdCard(
        card_type=card_type,
        name="张三",
        sex="1",
        birth_date="19680315",
        id_number=number,
        valid_from="20200101",
        valid_to="20400101",
    )


@pytest.fixture
def devices() -> tuple[FakeScanner, FakeIdCardReader]:
    return FakeScanner(), FakeIdCardReader()


@pytest.fixture
def window(qtbot, tmp_path: Path, devices) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    scanner, reader = devices
    yield from shown_window(
        qtbot, demo_settings(tmp_path), Devices(scanner=scanner, card_reader=reader)
    )


def print_listed(qtbot, window: KioskWindow):  # type: ignore[no-untyped-def]
    """The exam list is on screen: press print, wait for the summary."""
    assert window.stack.currentWidget() is window.exams
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000) as finished:
        window.exams.print_button.click()
    return finished


def test_a_scan_from_the_scanner_thread_prints(qtbot, window: KioskWindow, devices) -> None:  # type: ignore[no-untyped-def]
    scanner, _reader = devices
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        scanner.scan("DEMO0003")
    finished = print_listed(qtbot, window)
    summary = finished.args[0]
    assert summary.code == "DEMO0003"
    assert {i.state for i in summary.items} == {ItemState.DELIVERED}


def test_an_id_card_prints_its_holders_recent_exams(qtbot, window: KioskWindow, devices) -> None:  # type: ignore[no-untyped-def]
    _scanner, reader = devices
    visits_on(window, date(2024, 5, 25))  # DEMO0001 (2024-05-20) recent, DEMO0004 older
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        reader.place(card(DEMO_PATIENT_ID_NUMBER))
    assert "张三" not in window.exams.patient.text()  # masked: 张*
    assert "0315" in window.exams.patient.text()
    finished = print_listed(qtbot, window)
    summary = finished.args[0]
    printed = {i.study_uid for i in summary.items}
    assert len(printed) == 1 and {i.state for i in summary.items} == {ItemState.DELIVERED}
    _credential, ct = window.bridge.visit.find("DEMO0001")  # the one printed: the recent CT
    assert printed == {e.study_uid for e in ct}
    assert "张三" not in window.result.details.text()  # the card's name is not shown


def test_a_card_the_kiosk_cannot_use_says_so(qtbot, window: KioskWindow, devices) -> None:  # type: ignore[no-untyped-def]
    _scanner, reader = devices
    reader.place(card("ABC110101680315", CardType.FOREIGN_2017))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result, timeout=5000)
    assert "无法识别这张卡" in window.result.headline.text()
    assert "[code.unknown_card]" in window.result.staff.text()


def test_a_scan_on_the_result_screen_starts_the_next_visit(
    qtbot, window: KioskWindow, devices
) -> None:  # type: ignore[no-untyped-def]
    scanner, _reader = devices
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        scanner.scan("DEMO0003")
    print_listed(qtbot, window)
    assert window.stack.currentWidget() is window.result
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        scanner.scan("DEMO0002")
    finished = print_listed(qtbot, window)
    assert finished.args[0].code == "DEMO0002"


def test_a_refused_card_does_not_hide_the_printing_screen(
    qtbot, window: KioskWindow, devices
) -> None:  # type: ignore[no-untyped-def]
    scanner, _reader = devices
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        scanner.scan("DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
        window.card_refused("code.unknown_card", "无法识别这张卡")
        assert window.stack.currentWidget() is window.printing
    assert "打印完成" in window.result.headline.text()
