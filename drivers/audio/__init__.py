"""Spoken prompts: short WAV files played without blocking the screen.

``AplayPromptPlayer`` runs ALSA's ``aplay`` (alsa-utils) one prompt at a time; ``FakePromptPlayer``
records what it was asked to play, for the demo's tests and unit tests.
"""

from drivers.audio.aplay import AplayPromptPlayer
from drivers.audio.base import PromptPlayer
from drivers.audio.fake import FakePromptPlayer

__all__ = ["AplayPromptPlayer", "FakePromptPlayer", "PromptPlayer"]
