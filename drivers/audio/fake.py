"""A player that plays nothing and remembers what it was asked to play."""

from __future__ import annotations

import threading
from pathlib import Path

from drivers.audio.base import PromptPlayer


class FakePromptPlayer(PromptPlayer):
    """``played`` lists every file asked for, in order; ``stops`` counts the stops."""

    def __init__(self) -> None:
        self.played: list[Path] = []
        self.stops = 0
        self._lock = threading.Lock()

    def play(self, path: Path) -> None:
        with self._lock:
            self.played.append(Path(path))

    def stop(self) -> None:
        with self._lock:
            self.stops += 1
