"""A scanner without hardware: the demo's typed codes and tests' scripted scans."""

from __future__ import annotations

import queue
from collections.abc import Iterable

from drivers.scanner.base import Scanner, ScanSource


class FakeScanner(Scanner):
    """Hands out the codes it is given, in order."""

    source = ScanSource.FAKE

    def __init__(self, codes: Iterable[str] = (), *, prefix: str = "") -> None:
        super().__init__(prefix=prefix)
        self._codes: queue.Queue[str] = queue.Queue()
        for code in codes:
            self._codes.put(code)

    def scan(self, code: str) -> None:
        """As if ``code`` was scanned now."""
        self._codes.put(code)

    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        try:
            return self._codes.get(timeout=timeout), ""
        except queue.Empty:
            return None
