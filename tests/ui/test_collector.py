"""Cyclic garbage is collected on the GUI thread while a kiosk window lives, never by whichever
worker thread crosses the collector's threshold (where destroying Qt objects crashes)."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from PySide6.QtCore import QObject

from kiosk_app.ui.collector import GuiThreadCollector


class Cycle:
    """An object in a reference cycle that says which thread finally collected it."""

    collected_in: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.collected_in.append(threading.current_thread().name)


def test_garbage_made_on_a_worker_is_collected_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    gc.collect()
    Cycle.collected_in.clear()
    collector = GuiThreadCollector(owner, interval_ms=20)
    try:
        assert not gc.isenabled()

        made = 3 * gc.get_threshold()[0]

        def work() -> None:  # a worker making cyclic garbage far past the first threshold
            for _ in range(made):
                Cycle()

        worker = threading.Thread(target=work, name="worker")
        worker.start()
        worker.join()
        assert Cycle.collected_in == []  # the worker crossed the threshold, collected nothing
        qtbot.waitUntil(lambda: len(Cycle.collected_in) == made, timeout=5000)
        assert set(Cycle.collected_in) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled()
    collector.stop()  # twice is harmless
    assert gc.isenabled()


def test_automatic_collection_stays_off_until_the_last_window_goes(qtbot) -> None:  # type: ignore[no-untyped-def]
    owners = QObject(), QObject()
    first, second = GuiThreadCollector(owners[0]), GuiThreadCollector(owners[1])
    first.stop()
    assert not gc.isenabled()
    second.stop()
    assert gc.isenabled()
