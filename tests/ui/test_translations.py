"""The screens speak through Qt's translator: the committed .qm files load and are compiled from
the committed .ts, and what the window shows comes from them (Chinese by default, English after
the language button), with the catalogue's text when a file or an id is missing."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTranslator

from kiosk_app.core import messages
from kiosk_app.ui import translator
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.translations import (
    LOCALES,
    UPDATE_COMMAND,
    compile_qm,
    main,
    problems,
    qm_path,
    read_ts,
    ts_path,
)
from kiosk_app.ui.translator import install_translator, tr
from tests.ui.conftest import demo_settings

ZH_INSTRUCTION = "请扫描检查单条码、电子健康卡，或将身份证放在读卡区"
EN_INSTRUCTION = "Scan your exam slip or e-health code, or place your ID card on the reader"


def loaded(locale: str, directory: Path | None = None) -> QTranslator:
    path = qm_path(locale) if directory is None else qm_path(locale, directory)
    found = QTranslator()
    assert found.load(str(path)), f"{path} does not load: {UPDATE_COMMAND}"
    return found


def test_the_committed_qm_files_translate_to_chinese_and_english(qapp) -> None:  # type: ignore[no-untyped-def]
    zh, en = loaded("zh_CN"), loaded("en")
    assert zh.translate("kiosk", "ui.instruction") == ZH_INSTRUCTION
    assert en.translate("kiosk", "ui.instruction") == EN_INSTRUCTION
    assert en.translate("kiosk", "ui.language") == "中文"
    # placeholders are kept for the screen to fill in
    assert zh.translate("kiosk", "ui.time_left") == "预计还需 {seconds} 秒"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_id_translates_in_the_committed_qm_as_in_its_ts(
    qapp,  # type: ignore[no-untyped-def]
    locale: str,
) -> None:
    qm = loaded(locale)
    wanted = read_ts(ts_path(locale))
    stale = [
        message_id
        for message_id in sorted(messages.message_ids())
        if not (
            qm.translate("kiosk", message_id)
            == wanted.get(message_id)
            == messages.locales_of(message_id)[locale]
        )
    ]
    assert not stale, f"{qm_path(locale).name} is stale for {stale[:5]}: {UPDATE_COMMAND}"


def test_the_committed_qm_files_are_what_lrelease_makes_of_the_ts_files() -> None:
    found = problems()  # compiles each .ts into a scratch folder and compares the bytes
    assert not found, "; ".join(found[:8]) + f": {UPDATE_COMMAND}"


def translation_files(
    folder: Path, marks: dict[str, dict[str, str]], *, drop: dict[str, str] | None = None
) -> Path:
    """The committed .ts files with some translations replaced (``marks[locale][id]``) or one
    left out (``drop[locale]``), compiled into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for locale in LOCALES:
        tree = ET.parse(ts_path(locale))
        context = tree.getroot().find("context")
        assert context is not None
        for message in context.findall("message"):
            message_id = message.findtext("source", "")
            if (drop or {}).get(locale) == message_id:
                context.remove(message)
            elif message_id in marks.get(locale, {}):
                translation = message.find("translation")
                assert translation is not None
                translation.text = marks[locale][message_id]
        tree.write(ts_path(locale, folder), encoding="utf-8", xml_declaration=True)
        compile_qm(ts_path(locale, folder), qm_path(locale, folder))
    return folder


@pytest.fixture
def window_with(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[Path], KioskWindow]]:
    """A kiosk window whose translation files come from the given folder."""
    windows: list[KioskWindow] = []

    def make(folder: Path) -> KioskWindow:
        monkeypatch.setattr(translator, "I18N_DIR", folder)
        win = create_window(demo_settings(tmp_path / "data"))
        qtbot.addWidget(win)
        win.resize(1920, 1080)
        win.show()
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.bridge.wait_idle()
        win.worker.wait_idle()


def test_the_window_speaks_chinese_then_english_after_the_button_from_the_qm_files(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    window_with: Callable[[Path], KioskWindow],
) -> None:
    marks = {
        "zh_CN": {"ui.instruction": "【译文】" + ZH_INSTRUCTION, "ui.language": "English*"},
        "en": {"ui.instruction": "[qm] " + EN_INSTRUCTION, "ui.language": "中文*"},
    }
    win = window_with(translation_files(tmp_path / "i18n", marks))
    assert win.language == "zh_CN"
    assert win.home.instruction.text() == "【译文】" + ZH_INSTRUCTION
    assert win.home.language.text() == "English*"
    qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    assert win.language == "en" and translator.current_locale() == "en"
    assert win.home.instruction.text() == "[qm] " + EN_INSTRUCTION
    assert win.home.language.text() == "中文*"
    assert win.keypad.back.text() == "Back"  # every screen, not only the one on show
    qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    assert win.home.instruction.text() == "【译文】" + ZH_INSTRUCTION


def test_the_screens_are_redrawn_on_qts_language_change(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    window_with: Callable[[Path], KioskWindow],
) -> None:
    folder = translation_files(tmp_path / "i18n", {"en": {"ui.find": "Find (qm)"}})
    win = window_with(folder)
    assert win.home.find_button.text() == "查找"
    install_translator("en", folder)  # not through the window: Qt's LanguageChange tells it
    qtbot.waitUntil(lambda: win.home.find_button.text() == "Find (qm)", timeout=2000)
    assert win.keypad.find_button.text() == "Find (qm)"


def test_an_id_missing_from_a_qm_shows_the_catalogue_text_and_warns_once(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    window_with: Callable[[Path], KioskWindow],
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = translation_files(tmp_path / "i18n", {}, drop={"en": "ui.instruction"})
    win = window_with(folder)
    with caplog.at_level(logging.WARNING, logger="kiosk_app.ui.translator"):
        for _ in range(3):
            qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    assert win.language == "en"
    assert win.home.instruction.text() == EN_INSTRUCTION  # the catalogue's, not "ui.instruction"
    assert win.home.find_button.text() == "Find"
    warnings = [r for r in caplog.records if r.name == "kiosk_app.ui.translator"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    said = warnings[0].getMessage()
    assert str(qm_path("en", folder)) in said and "ui.instruction" in said
    assert UPDATE_COMMAND in said


def test_a_missing_qm_shows_the_catalogue_text_and_warns_once(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    window_with: Callable[[Path], KioskWindow],
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = translation_files(tmp_path / "i18n", {})
    qm_path("en", folder).unlink()
    win = window_with(folder)
    with caplog.at_level(logging.WARNING, logger="kiosk_app.ui.translator"):
        for _ in range(3):
            qtbot.mouseClick(win.home.language, Qt.MouseButton.LeftButton)
    assert win.home.instruction.text() == EN_INSTRUCTION
    assert win.home.language.text() == "中文"
    warnings = [r for r in caplog.records if r.name == "kiosk_app.ui.translator"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert str(qm_path("en", folder)) in warnings[0].getMessage()


def test_a_translation_with_a_broken_placeholder_falls_back_to_the_catalogue(
    qapp,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = {"en": {"ui.time_left": "About {seconds s left", "ui.patient_line": "{0} {name}"}}
    folder = translation_files(tmp_path / "i18n", broken)
    install_translator("en", folder)
    with caplog.at_level(logging.WARNING, logger="kiosk_app.ui.translator"):
        assert tr("ui.time_left", seconds=5) == "About 5 s left"
        assert tr("ui.patient_line", name="Z***", last4="0002") == "Z***   ID ending 0002"
    assert tr("ui.print") == "Print"
    assert tr("no.such.id") == "no.such.id"
    assert len([r for r in caplog.records if r.name == "kiosk_app.ui.translator"]) == 1


def test_check_lists_a_translators_edit_beside_the_catalogue_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = translation_files(tmp_path / "i18n", {"en": {"ui.print": "Print it"}})
    assert main(["--check", "--dir", str(folder)]) == 1
    said = capsys.readouterr()
    assert "  ui.print: catalogue 'Print', kiosk_en.ts 'Print it'" in said.out.splitlines()
    assert UPDATE_COMMAND in said.err
    assert main(["--update", "--dir", str(folder)]) == 0
    assert main(["--check", "--dir", str(folder)]) == 0
    assert read_ts(ts_path("en", folder))["ui.print"] == "Print"
