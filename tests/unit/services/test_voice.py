"""The spoken prompts: one shipped file per patient screen and locale, small and playable, each
the catalogue's sentence; played only when a site turns voice on."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from drivers.audio.fake import FakePromptPlayer
from kiosk_app.core import messages
from kiosk_app.services.voice import LOCALES, PROMPTS, VoicePrompts
from kiosk_app.settings import VOICE_PROMPTS, load


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("prompt", PROMPTS)
def test_every_screen_has_its_prompt_file_in_every_locale(prompt: str, locale: str) -> None:
    path = VoicePrompts(None, VOICE_PROMPTS, enabled=False).path(prompt, locale)
    assert path.is_file(), f"{path}: run .venv/bin/python assets/voice/build_prompts.py"
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        seconds = w.getnframes() / w.getframerate()
    assert 0.5 < seconds < 12, "a prompt is one short sentence"
    assert path.stat().st_size < 400_000


@pytest.mark.parametrize("prompt", PROMPTS)
def test_every_prompt_is_a_sentence_of_the_catalogue(prompt: str) -> None:
    texts = messages.locales_of(f"voice.{prompt}")
    assert set(LOCALES) <= set(texts)


def test_voice_is_off_by_default_and_uses_the_shipped_prompts() -> None:
    settings = load(None, env={})
    assert settings.voice.enabled is False
    assert settings.voice.directory == VOICE_PROMPTS
    assert settings.voice.device == "default"


def test_enabled_prompts_play_the_screens_file_in_its_locale(tmp_path: Path) -> None:
    player = FakePromptPlayer()
    VoicePrompts(player, tmp_path, enabled=True).say("home", "en")
    assert player.played == [tmp_path / "en" / "home.wav"]


def test_disabled_prompts_play_nothing(tmp_path: Path) -> None:
    player = FakePromptPlayer()
    voice = VoicePrompts(player, tmp_path, enabled=False)
    voice.say("home", "zh_CN")
    voice.stop()
    assert player.played == [] and player.stops == 0
