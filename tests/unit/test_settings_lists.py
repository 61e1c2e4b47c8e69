"""List settings (``[ui] staff_cards``): a TOML array, comma-separated in the environment, each
entry checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.core.pin import hash_card
from kiosk_app.settings import SettingsError, load

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


def test_film_transfer_syntaxes_are_an_ordered_non_empty_list(tmp_path: Path) -> None:
    film = load(None, env={}).printers.film
    assert film.transfer_syntaxes == ("implicit", "explicit")
    assert (film.presentation_lut, film.illumination, film.reflected_ambient_light) == (
        "",
        None,
        None,
    )
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[printers.film]\ntransfer_syntaxes = ["explicit", "implicit"]\nillumination = 2000\n',
        encoding="utf-8",
    )
    assert load(path, env={}).printers.film.transfer_syntaxes == ("explicit", "implicit")
    env = {"KIOSK_PRINTERS__FILM__TRANSFER_SYNTAXES": "implicit"}
    assert load(None, env=env).printers.film.transfer_syntaxes == ("implicit",)
    for text, expected in (
        ("transfer_syntaxes = []", "is not a list of at least 1"),
        ('transfer_syntaxes = ["jpeg"]', "'jpeg' is not one of 'implicit', 'explicit'"),
        ('presentation_lut = "GAMMA"', "is not one of '', 'IDENTITY', 'LIN OD'"),
        ("illumination = 0", "is not a whole number >= 1"),
        ('medium_type = "blue film"', "is not a DICOM code string"),
    ):
        path.write_text(f"[printers.film]\n{text}\n", encoding="utf-8")
        with pytest.raises(SettingsError) as info:
            load(path, env={})
        assert str(info.value).startswith("printers.film.") and expected in str(info.value)


def test_the_film_printer_gets_its_dicom_settings(tmp_path: Path) -> None:
    from drivers.film.dicom_print import DicomFilmPrinter
    from kiosk_app.app import build_film_printer

    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[printers.film]\nbackend = "dicom"\ntransfer_syntaxes = ["implicit"]\n'
        'presentation_lut = "LIN OD"\nillumination = 2500\nreflected_ambient_light = 5\n',
        encoding="utf-8",
    )
    film = build_film_printer(load(path, env={}))
    assert isinstance(film, DicomFilmPrinter)
    assert film.transfer_syntaxes == ("implicit",)
    assert (film.presentation.lut_shape, film.presentation.illumination) == ("LIN OD", 2500)
    assert film.presentation.reflected_ambient_light == 5
    with pytest.raises(ValueError, match="transfer syntaxes"):
        DicomFilmPrinter("X", "127.0.0.1", 104, transfer_syntaxes=[])
