"""The nurses' PIN: one rule (4-12 ASCII digits) for the wizard, the hash command and the login
gate; hashed with a salt, checked in constant time, locked after 5 failures."""

from __future__ import annotations

import pytest

from kiosk_app import setup_wizard as sw
from kiosk_app.core.pin import MAX_FAILURES, PIN_RULE, PinGate, hash_pin, pin_problem, verify_pin
from kiosk_app.ui.maintenance import pin as pin_command

GOOD_PINS = ["1234", "0000", "24680135", "123456789012"]
BAD_PINS = [
    "",
    "123",  # too short
    "1234567890123",  # too long: the login field takes 12
    "12a4",
    "12 34",
    " 1234",
    "１２３４",  # full-width digits: no keypad types them
    "½234",  # str.isdigit() says yes to this
    "١٢٣٤",  # Arabic-Indic digits
]


def test_a_pin_is_stored_salted_and_verified() -> None:
    one, two = hash_pin("2580"), hash_pin("2580")
    assert one != two and "2580" not in one and one.startswith("scrypt$")
    assert verify_pin("2580", one) and verify_pin("2580", two)
    assert not verify_pin("2581", one)
    assert not verify_pin("2580", "garbage") and not verify_pin("2580", "")


def test_five_wrong_pins_lock_the_gate_for_a_while() -> None:
    now = [1000.0]
    gate = PinGate(hash_pin("2580"), lockout_s=300, clock=lambda: now[0])
    answers = [gate.check("0000") for _ in range(MAX_FAILURES)]
    assert [a.tries_left for a in answers[:-1]] == [4, 3, 2, 1]
    assert answers[-1].locked_for == 300
    assert not gate.check("2580").ok  # the right PIN is refused while locked
    now[0] += 299
    assert gate.check("2580").locked_for == 1
    now[0] += 2
    assert gate.check("2580").ok


def test_without_a_pin_hash_maintenance_is_closed() -> None:
    answer = PinGate("", 300).check("1234")
    assert not answer.ok and answer.closed


def test_the_demo_hashes_are_the_documented_pin_and_card() -> None:
    from kiosk_app.core.pin import (
        DEMO_PIN,
        DEMO_PIN_HASH,
        DEMO_STAFF_CARD,
        DEMO_STAFF_CARD_HASH,
        staff_cards,
    )

    assert DEMO_PIN == "1234" and verify_pin(DEMO_PIN, DEMO_PIN_HASH)
    assert not verify_pin("1235", DEMO_PIN_HASH)
    gate = PinGate("", 300, cards=staff_cards([DEMO_STAFF_CARD_HASH]))
    assert DEMO_STAFF_CARD == "STAFF0001" and gate.check_card(DEMO_STAFF_CARD, counts=True).ok


@pytest.mark.parametrize("pin", GOOD_PINS)
def test_a_good_pin_is_taken_by_the_wizard_the_command_and_the_gate(
    pin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pin_problem(pin) is None
    assert sw.QUESTIONS["nurse_pin"].validate is not None
    assert sw.QUESTIONS["nurse_pin"].validate(pin) is None
    monkeypatch.setattr(pin_command.getpass, "getpass", lambda _prompt: pin)
    assert pin_command.main([]) == 0
    printed = capsys.readouterr().out.strip()
    assert PinGate(printed, lockout_s=300).check(pin).ok  # the command's hash opens the gate
    assert PinGate(sw.hash_pin(pin), lockout_s=300).check(pin).ok  # and so does the wizard's


@pytest.mark.parametrize("pin", BAD_PINS)
def test_a_bad_pin_is_refused_by_the_wizard_the_command_and_the_gate(
    pin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pin_problem(pin) == PIN_RULE == "4 to 12 digits"
    assert sw.QUESTIONS["nurse_pin"].validate is not None
    assert sw.QUESTIONS["nurse_pin"].validate(pin) == PIN_RULE
    monkeypatch.setattr(pin_command.getpass, "getpass", lambda _prompt: pin)
    assert pin_command.main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and PIN_RULE in err
    # Even a hash of such a PIN (made by hand) does not let it in: the gate applies the rule
    # before hashing, and the refusal counts towards the lockout like any wrong PIN.
    gate = PinGate(hash_pin(pin), lockout_s=300)
    answer = gate.check(pin)
    assert not answer.ok and answer.tries_left == MAX_FAILURES - 1
