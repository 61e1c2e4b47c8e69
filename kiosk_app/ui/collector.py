"""Python's cyclic garbage collector, run from the GUI thread only.

CPython collects when an allocation crosses a threshold, in whichever thread made it. When that
is a worker (a look-up, a print job) and the garbage holds Qt objects made on the GUI thread,
they are destroyed from the worker, and Qt crashes (seen here: a segmentation fault while
"Garbage-collecting" inside a SQLAlchemy query on a worker thread). So while a kiosk window
lives, automatic collection is off and a timer on the GUI thread makes the same threshold
decisions CPython would. The objects made at start-up are frozen (``gc.freeze`` in
:func:`kiosk_app.ui.main.create_window`), so the passes stay short.
"""

from __future__ import annotations

import contextlib
import gc
import threading

from PySide6.QtCore import QObject, QTimer

_lock = threading.Lock()
_windows = 0
"""Windows with a collector running (automatic collection is off while any is)."""


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects from ``parent``'s (the GUI) thread."""

    def __init__(self, parent: QObject, interval_ms: int = 250) -> None:
        super().__init__(parent)
        global _windows
        with _lock:
            _windows += 1
            gc.disable()
        self._running = True
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is crossed; the number collected."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 < threshold0:
            return 0
        generation = 2 if count2 >= threshold2 else 1 if count1 >= threshold1 else 0
        return gc.collect(generation)

    def stop(self) -> None:
        """Stop (the window is going); the last one to stop turns automatic collection on."""
        global _windows
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(RuntimeError):  # the timer went with the window already
            self._timer.stop()
        with _lock:
            _windows -= 1
            if _windows == 0:
                gc.enable()
