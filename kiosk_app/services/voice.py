"""Spoken prompts per patient screen, in the screen's language (``[voice]``, off by default).

The files are ``<directory>/<locale>/<prompt>.wav``; the shipped ones
(``assets/voice/build_prompts.py``) speak the catalogue's ``voice.<prompt>`` sentences, and a
site may replace them with its own recordings. Playing never blocks and never fails loudly:
the player (``drivers.audio``) says once in the log what is wrong and then stays silent.
"""

from __future__ import annotations

from pathlib import Path

from drivers.audio.base import PromptPlayer

#: one prompt per patient screen; maintenance screens have none
PROMPTS = ("home", "keypad", "finding", "exams", "printing", "done", "error")
#: the locales prompts are shipped in (the screens' languages)
LOCALES = ("zh_CN", "en")


class VoicePrompts:
    """Says the prompt of a screen when enabled; does nothing at all when not."""

    def __init__(self, player: PromptPlayer | None, directory: Path, *, enabled: bool) -> None:
        self.player = player
        self.directory = directory
        self.enabled = enabled and player is not None

    def path(self, prompt: str, locale: str) -> Path:
        return self.directory / locale / f"{prompt}.wav"

    def say(self, prompt: str, locale: str) -> None:
        """Start ``prompt`` in ``locale`` (stopping the one playing) and return at once."""
        if self.enabled and self.player is not None:
            self.player.play(self.path(prompt, locale))

    def stop(self) -> None:
        if self.enabled and self.player is not None:
            self.player.stop()

    def close(self) -> None:
        if self.player is not None:
            self.player.close()
