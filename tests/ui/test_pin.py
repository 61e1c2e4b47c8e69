"""The nurses' PIN: hashed with a salt, checked in constant time, locked after 5 failures."""

from __future__ import annotations

from kiosk_app.ui.maintenance.pin import MAX_FAILURES, PinGate, hash_pin, verify_pin


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
    from kiosk_app.ui.maintenance.pin import (
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
