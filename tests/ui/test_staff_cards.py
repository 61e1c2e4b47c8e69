"""Maintenance entered with a staff card: matched against salted hashes, never sent to the cloud
nor logged; other cards stay patients' on the home screen and are failed tries on the login
screen, where five of them lock it (with the PIN)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from drivers.idcard.fake import FakeIdCardReader
from drivers.scanner.fake import FakeScanner
from kiosk_app.app import Devices
from kiosk_app.core.pin import (
    DEMO_STAFF_CARD,
    MAX_FAILURES,
    PinGate,
    StaffCard,
    hash_card,
    hash_pin,
    staff_cards,
)
from kiosk_app.store.repositories import AuditRepository
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.maintenance.pin import main
from tests.ui.conftest import demo_settings, shown_window
from tests.ui.test_devices import card

#: a valid resident ID number (GB 11643 check digit) that is no demo patient's: a nurse's own
NURSE_ID_NUMBER = "11010519491231002X"


# ---------------------------------------------------------------------------------- matching
def test_a_card_hash_is_salted_and_matches_the_number_however_it_is_typed() -> None:
    one, two = hash_card("e 1234567"), hash_card("E1234567")
    assert one != two and "1234567" not in one and one.startswith("scrypt$4096$")
    cards = staff_cards([f"护士李:{one}", two])
    assert cards == (StaffCard("护士李", one), StaffCard("staff-card-2", two))
    gate = PinGate("", 300, cards=cards)
    answer = gate.check_card(" E1234567\n", counts=False)
    assert answer.ok and answer.staff_card and answer.staff == "护士李"
    other = gate.check_card("E1234568", counts=False)
    assert not other.ok and not other.staff_card and other.tries_left == MAX_FAILURES


def test_other_cards_count_only_on_the_login_screen_and_share_the_pins_lockout() -> None:
    now = [1000.0]
    cards = (StaffCard("nurse01", hash_card("E1234567")),)
    gate = PinGate(hash_pin("2580"), lockout_s=300, clock=lambda: now[0], cards=cards)
    for _ in range(10):  # patients' cards on the home screen: never a failure
        assert not gate.check_card("DEMO0001", counts=False).staff_card
    assert gate.check("0000").tries_left == 4  # one wrong PIN ...
    answers = [gate.check_card("E0000000", counts=True) for _ in range(MAX_FAILURES - 1)]
    assert [a.tries_left for a in answers[:-1]] == [3, 2, 1]  # ... and wrong cards add up
    assert answers[-1].locked_for == 300
    # locked: the staff card is refused on the login screen without being checked ...
    refused = gate.check_card("E1234567", counts=True)
    assert not refused.ok and refused.locked_for == 300 and not refused.staff_card
    # ... and recognised, but refused, on the home screen (so it never goes to the cloud)
    home = gate.check_card("E1234567", counts=False)
    assert not home.ok and home.staff_card and home.locked_for == 300
    assert not gate.check("2580").ok  # the PIN too
    now[0] += 301
    assert gate.check_card("E1234567", counts=True).ok
    assert gate.failures == 0


def test_without_staff_cards_or_pin_a_card_on_the_login_screen_finds_maintenance_closed() -> None:
    answer = PinGate("", 300).check_card("E1234567", counts=True)
    assert answer.closed and not answer.ok


def test_the_hash_tool_prints_a_labelled_entry_without_echoing_the_number(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["e1234567", "E1234567"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(typed))
    assert main(["--card", "nurse-li"]) == 0
    out = capsys.readouterr().out.strip()
    label, _, _hash = out.partition(":")
    assert label == "nurse-li" and "1234567" not in out
    assert PinGate("", 300, cards=staff_cards([out])).check_card("E1234567", counts=True).ok
    assert main(["--card", "a:b"]) == 2


def test_cards_made_with_one_site_salt_cost_one_hash_per_scan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    salt = bytes(range(16))
    typed = iter(["E7000001", "E7000001"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(typed))
    assert main(["--card", "nurse-wang", "--salt", salt.hex()]) == 0
    made = capsys.readouterr().out.strip()
    assert made.split("$")[4] == salt.hex()
    entries = [f"nurse-{i}:{hash_card(f'E70000{i:02}', salt=salt)}" for i in range(2, 30)]
    gate = PinGate("", 300, cards=staff_cards([*entries, made]))
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    answer = gate.check_card("E7000001", counts=False)  # the last of 29 entries
    assert answer.ok and answer.staff == "nurse-wang"
    assert len(calls) == 1
    assert not gate.check_card("DEMO0001", counts=False).staff_card and len(calls) == 2
    assert main(["--card", "x", "--salt", "abcd"]) == 2  # too short a salt


# ---------------------------------------------------------------------------------- window
@pytest.fixture
def devices() -> tuple[FakeScanner, FakeIdCardReader]:
    return FakeScanner(), FakeIdCardReader()


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, devices: tuple[FakeScanner, FakeIdCardReader]
) -> Iterator[KioskWindow]:
    nurse = "护士王:" + hash_card(NURSE_ID_NUMBER)
    demo = "demo-nurse:" + hash_card(DEMO_STAFF_CARD)
    settings = demo_settings(tmp_path, KIOSK_UI__STAFF_CARDS=f"{demo},{nurse}")
    scanner, reader = devices
    yield from shown_window(qtbot, settings, Devices(scanner=scanner, card_reader=reader))


@pytest.fixture
def cloud_lookups(window: KioskWindow, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every code the window hands to the visit service's look-up."""
    looked_up: list[str] = []
    original = window.bridge.find

    def find(code: str, locale: str) -> None:
        looked_up.append(code)
        original(code, locale)

    monkeypatch.setattr(window.bridge, "find", find)
    return looked_up


def audit(win: KioskWindow) -> list[tuple[str, str, dict[str, object]]]:
    assert win.kiosk is not None
    win.worker.wait_idle()
    with win.kiosk.store.session() as session:
        return [
            (a.actor, a.action, json.loads(a.detail or "{}"))
            for a in reversed(AuditRepository(session).recent(200))
        ]


def no_log_line_holds(caplog: pytest.LogCaptureFixture, secret: str) -> None:
    shown = [r for r in caplog.records if r.levelno > logging.DEBUG and secret in r.getMessage()]
    assert shown == []


def open_login(qtbot: QtBot, win: KioskWindow) -> None:
    win.home.corner_timer.setInterval(30)
    qtbot.mousePress(win.home.corner, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.login, timeout=2000)
    qtbot.mouseRelease(win.home.corner, Qt.MouseButton.LeftButton)


def test_a_staff_card_scanned_on_the_home_screen_opens_maintenance_and_is_audited(
    qtbot: QtBot,
    window: KioskWindow,
    devices: tuple[FakeScanner, FakeIdCardReader],
    cloud_lookups: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    scanner, _reader = devices
    scanner.scan(DEMO_STAFF_CARD)  # a staff badge's barcode, from the scanner's thread
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=10000)
    assert window.panel is not None and window.panel.staff == "demo-nurse"
    assert ("demo-nurse", "maintenance.entered", {"via": "card"}) in audit(window)
    assert cloud_lookups == []
    no_log_line_holds(caplog, DEMO_STAFF_CARD)


def test_a_nurses_id_card_on_the_reader_opens_maintenance(
    qtbot: QtBot,
    window: KioskWindow,
    devices: tuple[FakeScanner, FakeIdCardReader],
    cloud_lookups: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _scanner, reader = devices
    reader.place(card(NURSE_ID_NUMBER))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=10000)
    assert ("护士王", "maintenance.entered", {"via": "card"}) in audit(window)
    assert cloud_lookups == []
    no_log_line_holds(caplog, NURSE_ID_NUMBER)
    no_log_line_holds(caplog, NURSE_ID_NUMBER[-8:])


def test_a_patients_card_still_finds_the_patient(
    qtbot: QtBot,
    window: KioskWindow,
    devices: tuple[FakeScanner, FakeIdCardReader],
    cloud_lookups: list[str],
) -> None:
    _scanner, reader = devices
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        reader.place(card("110101196803150315"))  # DEMO0001's holder
    assert window.stack.currentWidget() is window.exams
    assert cloud_lookups == ["110101196803150315"]
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        window.submit_scan("DEMO0003")  # and an exam slip
    assert window.stack.currentWidget() is window.exams
    assert [a for a in audit(window) if a[1].startswith("maintenance.")] == []


def test_five_wrong_cards_on_the_login_screen_lock_it_even_for_a_staff_card(
    qtbot: QtBot,
    window: KioskWindow,
    cloud_lookups: list[str],
) -> None:
    open_login(qtbot, window)
    for left in range(MAX_FAILURES - 1, 0, -1):
        window.submit_scan("DEMO0001")  # a patient's slip is no staff card
        qtbot.waitUntil(window.login.enter.isEnabled, timeout=5000)
        assert f"还可尝试 {left} 次" in window.login.message.text()
    window.submit_scan("DEMO0002")
    qtbot.waitUntil(window.login.enter.isEnabled, timeout=5000)
    assert "锁定" in window.login.message.text()
    window.submit_scan(DEMO_STAFF_CARD)  # the right card, too late
    qtbot.waitUntil(window.login.enter.isEnabled, timeout=5000)
    assert window.stack.currentWidget() is window.login
    assert "锁定" in window.login.message.text()
    assert [a[1] for a in audit(window)].count("maintenance.card_failed") == MAX_FAILURES + 1
    assert cloud_lookups == []  # nothing read on the login screen goes to the cloud
    # locked, a staff card on the home screen is not taken for a patient's either
    qtbot.mouseClick(window.login.back, Qt.MouseButton.LeftButton)
    window.submit_scan(DEMO_STAFF_CARD)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login, timeout=10000)
    assert "锁定" in window.login.message.text()
    assert cloud_lookups == []
    assert ("demo-nurse", "maintenance.card_locked", {}) in audit(window)


def test_a_staff_card_on_the_login_screen_opens_maintenance(
    qtbot: QtBot,
    window: KioskWindow,
) -> None:
    open_login(qtbot, window)
    window.submit_scan("DEMO0001")
    qtbot.waitUntil(window.login.enter.isEnabled, timeout=5000)
    window.submit_scan(DEMO_STAFF_CARD)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.panel, timeout=10000)
    assert ("demo-nurse", "maintenance.entered", {"via": "card"}) in audit(window)


def test_the_demo_has_one_staff_card(qtbot: QtBot, tmp_path: Path) -> None:
    win = create_window(demo_settings(tmp_path))
    qtbot.addWidget(win)
    win.submit_scan(DEMO_STAFF_CARD)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.panel, timeout=10000)
    assert win.panel is not None and win.panel.staff == "demo-nurse"
    win.bridge.wait_idle()
    win.worker.wait_idle()
