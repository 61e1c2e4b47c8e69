"""Polls the health snapshot on its own thread, so nothing that serves it ever waits on a device.

The endpoint and the screen read :meth:`HealthMonitor.current`, which returns at once. A snapshot
older than ``stale_after`` seconds (a printer call hanging, the poller stuck) is reported as
unknown (orange), never as the green it last was.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app.health.system import system_components
from kiosk_app.services.health import Condition, HealthService, Level, Snapshot

log = logging.getLogger(__name__)

JAM_REASONS = ("media-jam",)

Probe = Callable[[], tuple[dict[str, object], list[Condition]]]


@dataclass
class Observed:
    """Counts the monitor derives from watching successive snapshots."""

    jams: dict[str, int] = field(default_factory=dict)
    """Printer component -> number of times a jam appeared."""


class HealthMonitor:
    def __init__(
        self,
        health: HealthService,
        *,
        data_dir: Path,
        interval: float = 5.0,
        stale_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        probes: dict[str, Probe] | None = None,
    ) -> None:
        """``probes`` add components of their own (offline cache, outbox) to each snapshot."""
        self.health = health
        self.probes = dict(probes or {})
        self.data_dir = data_dir
        self.interval = interval
        self.stale_after = stale_after
        self.clock = clock
        self.started = clock()
        self.observed = Observed()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._taken: float | None = None
        self._jammed: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ polling

    def poll(self) -> Snapshot:
        """Take one snapshot now (on the caller's thread) and keep it."""
        try:
            snapshot = self.health.snapshot()
        except Exception:  # a poll must never kill the monitor; the snapshot goes stale
            log.exception("health snapshot failed")
            raise
        system, conditions = system_components(self.data_dir)
        snapshot.components["system"] = system
        snapshot.conditions.extend(conditions)
        for name, probe in self.probes.items():
            try:
                component, found = probe()
            except Exception as exc:  # one broken probe must not hide the others
                log.warning("health probe %s failed: %s", name, exc)
                snapshot.conditions.append(Condition(name, Level.ORANGE, "unknown: check failed"))
                continue
            snapshot.components[name] = component
            snapshot.conditions.extend(found)
        with self._lock:
            self._count_jams(snapshot)
            self._snapshot, self._taken = snapshot, self.clock()
        return snapshot

    def _count_jams(self, snapshot: Snapshot) -> None:
        jammed = {
            c.component
            for c in snapshot.conditions
            if any(c.reason.startswith(j) for j in JAM_REASONS)
        }
        for component in jammed - self._jammed:
            self.observed.jams[component] = self.observed.jams.get(component, 0) + 1
        self._jammed = jammed

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="health-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # logged in poll(); next interval retries
                self.poll()
            self._stop.wait(self.interval)

    # ------------------------------------------------------------------ reading

    @property
    def uptime(self) -> float:
        return self.clock() - self.started

    def current(self) -> Snapshot:
        """The latest snapshot, marked unknown when too old (never blocks on devices)."""
        with self._lock:
            snapshot, taken = self._snapshot, self._taken
        if snapshot is None or taken is None:
            stale = Snapshot(self.health.kiosk_id, datetime.now(UTC))
            stale.conditions.append(Condition("kiosk", Level.ORANGE, "unknown: no data yet"))
            return stale
        age = self.clock() - taken
        if age > self.stale_after:
            copy = Snapshot(
                snapshot.kiosk_id,
                snapshot.taken_at,
                dict(snapshot.components),
                [*snapshot.conditions],
            )
            copy.conditions.append(
                Condition("kiosk", Level.ORANGE, f"unknown: status is {age:.0f} s old")
            )
            return copy
        return snapshot
