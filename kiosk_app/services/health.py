"""The health snapshot the monitoring centre and ``kiosk status`` see.

Every device and link produces conditions with a level; the kiosk's level is the worst of them.
A device that cannot be asked is not green: its level is orange with the reason "unknown".
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drivers.base import Printer, PrinterState
from kiosk_app import __version__
from kiosk_app.core.errors import CloudError
from kiosk_app.core.models import JobState
from kiosk_app.services.device_status import Severity, ipp_condition, printer_conditions
from kiosk_app.sources.base import StudySource
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository

log = logging.getLogger(__name__)

SCHEMA = "kiosk-status/1"


class Level(enum.IntEnum):
    """How urgent a condition is, for the monitoring centre."""

    GREEN = 0
    """Working."""
    YELLOW = 1
    """Working, but someone should look soon (supply low, a warning)."""
    ORANGE = 2
    """Degraded or unknown: patients may be affected."""
    RED = 3
    """Not working: patients cannot be served by this part."""

    @property
    def label(self) -> str:
        return self.name.lower()


_SEVERITY_LEVEL = {
    Severity.INFO: Level.GREEN,
    Severity.WARNING: Level.YELLOW,
    Severity.ERROR: Level.RED,
}


def reason_level(reason: str) -> Level:
    """The level of one IPP printer-state-reasons keyword (see services.device_status)."""
    condition = ipp_condition(reason)
    return Level.GREEN if condition is None else _SEVERITY_LEVEL[condition.severity]


@dataclass
class Condition:
    component: str
    level: Level
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"component": self.component, "level": self.level.label, "reason": self.reason}


@dataclass
class Snapshot:
    kiosk_id: str
    taken_at: datetime
    components: dict[str, dict[str, object]] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)

    @property
    def level(self) -> Level:
        return max((c.level for c in self.conditions), default=Level.GREEN)

    def to_json(self) -> dict[str, object]:
        return {
            "schema": SCHEMA,
            "kiosk_id": self.kiosk_id,
            "version": __version__,
            "taken_at": self.taken_at.isoformat(timespec="seconds"),
            "level": self.level.label,
            "conditions": [c.to_json() for c in self.conditions if c.level > Level.GREEN],
            "components": self.components,
        }


class HealthService:
    def __init__(
        self,
        *,
        kiosk_id: str,
        printers: dict[str, Printer],
        source: StudySource,
        store: Store,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.kiosk_id = kiosk_id
        self.printers = printers
        self.source = source
        self.store = store
        self.now = now

    def snapshot(self) -> Snapshot:
        snap = Snapshot(self.kiosk_id, self.now())
        for role, printer in self.printers.items():
            status = printer.status()
            reasons = [r for r in status.reasons if r != "none"]
            snap.components[f"{role}_printer"] = {
                "name": status.name,
                "state": status.state.value,
                "reasons": reasons,
                "message": status.message,
                "accepting_jobs": status.accepting_jobs,
                "markers": dict(status.markers),
            }
            component = f"{role}_printer"
            if status.state is PrinterState.UNKNOWN:
                snap.conditions.append(
                    Condition(component, Level.ORANGE, f"unknown: {status.message}")
                )
            for device in printer_conditions(status):
                snap.conditions.append(
                    Condition(component, _SEVERITY_LEVEL[device.severity], device.source)
                )
        try:
            self.source.ping()
        except CloudError as exc:
            snap.components["cloud"] = {
                "url": self.source.description,
                "reachable": False,
                "detail": str(exc),
            }
            snap.conditions.append(Condition("cloud", Level.ORANGE, "unreachable"))
        else:
            snap.components["cloud"] = {"url": self.source.description, "reachable": True}
        with self.store.session() as session:
            by_state = JobRepository(session).count_by_state()
        snap.components["queue"] = {"jobs_by_state": by_state}
        if by_state.get(JobState.PAUSED.value):
            snap.conditions.append(Condition("queue", Level.ORANGE, "jobs paused"))
        if by_state.get(JobState.UNKNOWN.value):
            snap.conditions.append(
                Condition("queue", Level.YELLOW, "jobs with unknown outcome need a nurse")
            )
        return snap
