"""List settings (``[ui] staff_cards``): a TOML array, comma-separated in the environment, each
entry checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.settings import SettingsError, load
from kiosk_app.ui.maintenance.pin import hash_card

ENTRY = "nurse-li:" + hash_card("E1234567")
BARE = hash_card("E7654321")


def test_staff_cards_from_the_file_and_the_environment(tmp_path: Path) -> None:
    assert load(None, env={}).ui.staff_cards == ()
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[ui]\nstaff_cards = ["{ENTRY}", "{BARE}"]\n', encoding="utf-8")
    assert load(path, env={}).ui.staff_cards == (ENTRY, BARE)
    from_env = load(None, env={"KIOSK_UI__STAFF_CARDS": f" {ENTRY} ,{BARE}, "})
    assert from_env.ui.staff_cards == (ENTRY, BARE)
    assert load(None, env={"KIOSK_UI__STAFF_CARDS": ""}).ui.staff_cards == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[ui]\nstaff_cards = "x"\n', "ui.staff_cards: 'x' is not a list of text"),
        ('[ui]\nstaff_cards = ["E1234567"]\n', "ui.staff_cards: 'E1234567' is not \"label:"),
        ("[ui]\nstaff_cards = [1]\n", "ui.staff_cards: 1 is not"),
    ],
)
def test_a_bad_staff_card_entry_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load(path, env={})
    assert expected in str(info.value)


def test_a_plain_card_number_in_the_environment_is_refused() -> None:
    with pytest.raises(SettingsError) as info:
        load(None, env={"KIOSK_UI__STAFF_CARDS": f"{ENTRY},E1234567"})
    assert str(info.value).startswith("KIOSK_UI__STAFF_CARDS (ui.staff_cards): 'E1234567'")
