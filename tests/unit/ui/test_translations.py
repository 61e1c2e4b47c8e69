"""The screens' Qt translation files (assets/i18n) are what the message catalogue makes.

No Qt here: the TS files are read as XML. Loading the compiled ``.qm`` files is in
tests/ui/test_translations.py.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kiosk_app.core import messages
from kiosk_app.ui import translations
from kiosk_app.ui.translations import LOCALES, UPDATE_COMMAND, read_ts, render_ts, ts_path

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_ts_files_are_what_update_writes_from_the_catalogue(locale: str) -> None:
    committed = ts_path(locale)
    assert committed.exists(), f"{committed} is missing: {UPDATE_COMMAND}"
    assert committed.read_text(encoding="utf-8") == render_ts(locale), (
        f"{committed.name} is stale (the catalogue changed, or it was edited by hand: carry "
        f"translators' edits into kiosk_app/core/messages.py first): {UPDATE_COMMAND}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_id_is_translated_in_both_ts_files(locale: str) -> None:
    translated = read_ts(ts_path(locale))
    assert set(translated) == messages.message_ids()
    for message_id, text in translated.items():
        assert text == messages.locales_of(message_id)[locale], message_id


@pytest.mark.parametrize("locale", LOCALES)
def test_a_ts_file_is_qt_linguist_ts_2_1_with_english_comments_for_translators(
    locale: str,
) -> None:
    text = ts_path(locale).read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
    root = ET.fromstring(text.split("\n", 2)[2])
    assert root.tag == "TS"
    assert root.get("version") == "2.1" and root.get("language") == locale
    contexts = root.findall("context")
    assert [c.findtext("name") for c in contexts] == ["kiosk"]
    for message in contexts[0].findall("message"):
        message_id = message.findtext("source", "")
        english = messages.locales_of(message_id)["en"]
        # for the translator, not part of the lookup key (a <comment> would be)
        assert message.findtext("extracomment") == english
        assert message.find("comment") is None
        translation = message.findtext("translation", "")
        expected = messages.locales_of(message_id)[locale]
        assert set(PLACEHOLDER.findall(translation)) == set(PLACEHOLDER.findall(expected))


def test_odd_characters_survive_the_ts_file_as_qt_linguist_writes_them() -> None:
    text = render_ts("zh_CN")
    # Linguist writes a full-width space as a character reference, quotes as entities
    assert "{name}&#x3000;证件尾号 {last4}" in text
    assert "An exam&apos;s data" in text
    assert "1. 打开 {printer} 的前盖\n2. " in text  # line breaks kept as they are
    back = read_ts(ts_path("zh_CN"))
    assert back["ui.patient_line"] == "{name}\u3000证件尾号 {last4}"
    assert back["mnt.jam_steps"].count("\n") == 2


def test_a_missing_translation_is_written_unfinished_for_the_translator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = messages.locales_of

    def no_english_print(message_id: str) -> dict[str, str]:
        texts = dict(real(message_id))
        if message_id == "ui.print":
            del texts["en"]
        return texts

    monkeypatch.setattr(messages, "locales_of", no_english_print)
    text = render_ts("en")
    block = text.split("<source>ui.print</source>")[1].split("</message>")[0]
    assert '<translation type="unfinished"></translation>' in block
    (tmp_path / "kiosk_en.ts").write_text(text, encoding="utf-8")
    translated = read_ts(tmp_path / "kiosk_en.ts")
    assert "ui.print" not in translated and "ui.find" in translated


def test_the_debian_package_ships_the_icons_and_the_compiled_translations() -> None:
    script = (translations.REPO_ROOT / "installer" / "deb" / "build-deb.sh").read_text()
    # the installed kiosk's REPO_ROOT is <site-packages>: I18N_DIR is <site-packages>/assets/i18n
    assert translations.I18N_DIR == translations.REPO_ROOT / "assets" / "i18n"
    assert 'cp -a "$ROOT"/assets/i18n/*.qm "$site/assets/i18n/"' in script
    assert 'cp -a "$ROOT"/assets/ui/*.svg "$site/assets/ui/"' in script
