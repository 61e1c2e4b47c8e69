"""What every prompt player offers: play one file (stopping the one before), stop, close."""

from __future__ import annotations

import abc
from pathlib import Path

from drivers.base import Availability


class PromptPlayer(abc.ABC):
    """Plays one short sound file at a time, never blocking the caller.

    A player that cannot play (no player program, no sound device, a missing file) says so once
    in the log and otherwise stays silent: a voice prompt is a help, never a reason to stop.
    """

    @classmethod
    def is_available(cls) -> Availability:
        """Whether this backend's program or library is present (what is missing if not)."""
        return Availability(True)

    @abc.abstractmethod
    def play(self, path: Path) -> None:
        """Start playing ``path`` and return at once; a prompt still playing is stopped."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop the prompt playing now, if any."""

    def close(self) -> None:
        """Stop and release everything (the kiosk is shutting down)."""
        self.stop()
