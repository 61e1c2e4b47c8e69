"""Telling a keyboard-wedge scan from a person typing, by the timing of the keys alone.

Scanners send a code's characters 1-50 ms apart and end it with a suffix (Enter by default);
people rarely type faster than 80-100 ms a key. A scan is therefore a burst of at least
``min_length`` characters, each within ``inter_key`` seconds of the one before, ended by the
suffix within ``inter_key`` too. Time is handed in with each key, so this is tested without a
clock and fed by Qt's event timestamps in the window (``kiosk_app/ui/scan_input.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScanTiming:
    """The thresholds; defaults follow public practice (30-50 ms, 4-6 characters)."""

    inter_key: float = 0.040
    """Most seconds between two keys of one scan."""
    min_length: int = 4
    """Fewest characters of a scan (without the suffix)."""
    suffix: str = "\r"
    """What ends a scan: ``"\\r"`` (Enter), ``"\\t"`` (Tab)."""
    prefix: str = ""
    """Characters the scanner sends first; removed from the scan."""


@dataclass
class ScanDetector:
    """Fed one character at a time with its time; returns a scan when a burst completes."""

    timing: ScanTiming = field(default_factory=ScanTiming)
    _chars: list[str] = field(default_factory=list)
    _last: float | None = None

    def feed(self, char: str, now: float) -> str | None:
        """The scanned code when ``char`` is the suffix ending a scan, else None."""
        fast = self._last is not None and now - self._last <= self.timing.inter_key
        if not fast:
            self._chars.clear()  # a pause: whatever came before was typed
        self._last = now
        if char == self.timing.suffix:
            burst, self._chars = "".join(self._chars), []
            self._last = None
            if fast and len(burst) >= self.timing.min_length + len(self.timing.prefix):
                if self.timing.prefix:
                    if not burst.startswith(self.timing.prefix):
                        return None
                    burst = burst[len(self.timing.prefix) :]
                return burst
            return None
        self._chars.append(char)
        return None

    @property
    def in_burst(self) -> bool:
        """Whether the keys so far look like the start of a scan."""
        return len(self._chars) >= 2

    def reset(self) -> None:
        self._chars.clear()
        self._last = None
