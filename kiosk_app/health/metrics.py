"""Prometheus metrics for the monitoring centre, exposed through prometheus_client.

Counts that must survive a restart (items printed, failures, patients served) are read from the
database at scrape time, so they are exact and never reset; Prometheus computes per-day figures
with ``increase(...[1d])``. Device state comes from the monitor's latest snapshot, so a scrape
never waits on a printer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import distinct, func, select

from kiosk_app import __version__
from kiosk_app.core.models import JobState
from kiosk_app.health.monitor import HealthMonitor
from kiosk_app.services.health import Level, reason_level
from kiosk_app.store import Store
from kiosk_app.store.tables import Consumable, FleetJournal, LedgerEntry, PrintJob

log = logging.getLogger(__name__)

# Seconds from a scan to the first sheet: most visits take seconds, a slow cloud tens of them.
SCAN_TO_FIRST_SHEET_BUCKETS = (1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300)
_FAILED_STATES = (JobState.FAILED.value, JobState.CANCELED.value, JobState.UNKNOWN.value)


class KioskCollector(Collector):
    """Turns the latest health snapshot and the ledger into metric families."""

    def __init__(self, monitor: HealthMonitor, store: Store) -> None:
        self.monitor = monitor
        self.store = store

    def collect(self) -> Iterator[Metric]:
        snapshot = self.monitor.current()
        info = InfoMetricFamily("kiosk_build", "Software version of the kiosk.")
        info.add_metric([], {"version": __version__, "kiosk_id": snapshot.kiosk_id})
        yield info
        yield GaugeMetricFamily(
            "kiosk_uptime_seconds",
            "Seconds since the kiosk process started.",
            value=self.monitor.uptime,
        )
        yield GaugeMetricFamily(
            "kiosk_health_level",
            "Overall level: 0 green, 1 yellow, 2 orange, 3 red.",
            value=int(snapshot.level),
        )
        conditions = GaugeMetricFamily(
            "kiosk_condition",
            "1 for every condition above green, by component, reason and level.",
            labels=["component", "reason", "level"],
        )
        for c in snapshot.conditions:
            if c.level > Level.GREEN:
                conditions.add_metric([c.component, c.reason, c.level.label], 1)
        yield conditions
        yield from self._printers(snapshot.components)
        cloud = snapshot.components.get("cloud", {})
        yield GaugeMetricFamily(
            "kiosk_cloud_up",
            "1 when the imaging cloud answered the last check.",
            value=1 if isinstance(cloud, dict) and cloud.get("reachable") else 0,
        )
        jams = CounterMetricFamily(
            "kiosk_printer_jams",
            "Jams seen on each printer since the kiosk started.",
            labels=["component"],
        )
        for component, count in sorted(self.monitor.observed.jams.items()):
            jams.add_metric([component], count)
        yield jams
        yield from self._link(snapshot.components)
        yield from self._ledger()

    def _link(self, components: dict[str, dict[str, object]]) -> Iterator[Metric]:
        cache = components.get("cache")
        if cache is not None:
            lookups = CounterMetricFamily(
                "kiosk_cache_instance_lookups",
                "Instances looked up in the offline cache, by result (hit or miss).",
                labels=["result"],
            )
            lookups.add_metric(["hit"], float(cache.get("instance_hits", 0)))  # type: ignore[arg-type]
            lookups.add_metric(["miss"], float(cache.get("instance_misses", 0)))  # type: ignore[arg-type]
            yield lookups
            yield GaugeMetricFamily(
                "kiosk_cache_bytes",
                "Bytes the offline cache holds.",
                value=float(cache.get("bytes", 0)),  # type: ignore[arg-type]
            )
            yield GaugeMetricFamily(
                "kiosk_cache_max_bytes",
                "The offline cache's size cap in bytes.",
                value=float(cache.get("max_bytes", 0)),  # type: ignore[arg-type]
            )
        outbox = components.get("outbox")
        if outbox is not None:
            yield GaugeMetricFamily(
                "kiosk_outbox_pending",
                "Events (deliveries, faults, heartbeats) waiting to leave the kiosk.",
                value=float(outbox.get("pending", 0)),  # type: ignore[arg-type]
            )

    def _printers(self, components: dict[str, dict[str, object]]) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "kiosk_printer_up",
            "1 when the printer answers, accepts jobs and is not stopped.",
            labels=["role", "printer"],
        )
        reasons = GaugeMetricFamily(
            "kiosk_printer_reason",
            "1 for each printer-state-reason the printer reports, with its level.",
            labels=["role", "printer", "reason", "level"],
        )
        supplies = GaugeMetricFamily(
            "kiosk_supply_level_percent",
            "Consumable level reported by the printer (percent; -1 unknown).",
            labels=["role", "printer", "supply"],
        )
        for key, component in sorted(components.items()):
            if not key.endswith("_printer"):
                continue
            role, name = key.removesuffix("_printer"), str(component.get("name", ""))
            state = component.get("state")
            ok = state in ("idle", "processing") and bool(component.get("accepting_jobs"))
            up.add_metric([role, name], 1 if ok else 0)
            for reason in component.get("reasons", []) or []:  # type: ignore[attr-defined]
                reasons.add_metric([role, name, reason, reason_level(reason).label], 1)
            markers = component.get("markers", {}) or {}
            for supply, level in sorted(markers.items()):  # type: ignore[attr-defined]
                supplies.add_metric([role, name, supply], level)
        yield up
        yield reasons
        yield supplies

    def _ledger(self) -> Iterator[Metric]:
        printed = CounterMetricFamily(
            "kiosk_items_printed",
            "Items the printers confirmed (reports and film jobs), by kind, printer and media.",
            labels=["kind", "printer", "media"],
        )
        units = CounterMetricFamily(
            "kiosk_units_printed",
            "Report pages and film sheets the printers confirmed, by kind, printer and media.",
            labels=["kind", "printer", "media"],
        )
        failures = CounterMetricFamily(
            "kiosk_print_failures",
            "Print jobs that failed, were canceled or ended with an unknown outcome.",
            labels=["kind"],
        )
        backlog = GaugeMetricFamily(
            "kiosk_print_jobs_open",
            "Print jobs not finished yet, by state (queued, submitted, paused).",
            labels=["state"],
        )
        with self.store.session() as session:
            rows = session.execute(
                select(
                    LedgerEntry.kind,
                    LedgerEntry.printer,
                    func.coalesce(PrintJob.media, ""),
                    func.count(),
                    func.sum(LedgerEntry.units),
                )
                .outerjoin(PrintJob, LedgerEntry.job_id == PrintJob.id)
                .group_by(LedgerEntry.kind, LedgerEntry.printer, PrintJob.media)
            ).all()
            for kind, printer, media, count, total in rows:
                printed.add_metric([kind, printer, media], count)
                units.add_metric([kind, printer, media], total or 0)
            supplies = session.execute(
                select(
                    Consumable.printer, Consumable.media, Consumable.remaining, Consumable.loaded
                )
            ).all()
            for kind, count in session.execute(
                select(PrintJob.kind, func.count())
                .where(PrintJob.state.in_(_FAILED_STATES))
                .group_by(PrintJob.kind)
            ).all():
                failures.add_metric([kind], count)
            open_counts = dict(
                session.execute(
                    select(PrintJob.state, func.count())
                    .where(PrintJob.state.in_([s.value for s in JobState if s.open]))
                    .group_by(PrintJob.state)
                ).all()
            )
            doubles = session.scalar(
                select(func.count()).select_from(FleetJournal).where(FleetJournal.conflict != "")
            )
            unsynced = session.scalar(
                select(func.count())
                .select_from(FleetJournal)
                .where(FleetJournal.synced_at.is_(None))
            )
            served = session.scalar(
                select(
                    func.count(
                        distinct(LedgerEntry.patient_id + "@" + func.date(LedgerEntry.delivered_at))
                    )
                )
            )
        for state in (s.value for s in JobState if s.open):
            backlog.add_metric([state], open_counts.get(state, 0))
        remaining = GaugeMetricFamily(
            "kiosk_media_remaining",
            "Sheets of film (or paper) left per printer and size, as nurses loaded and the "
            "printers used them.",
            labels=["printer", "media"],
        )
        loaded = GaugeMetricFamily(
            "kiosk_media_loaded",
            "Sheets the nurse recorded loading last time, per printer and size.",
            labels=["printer", "media"],
        )
        for printer, media, left, last_loaded in supplies:
            remaining.add_metric([printer, media], left)
            loaded.add_metric([printer, media], last_loaded)
        yield remaining
        yield loaded
        yield printed
        yield units
        yield failures
        yield backlog
        yield CounterMetricFamily(
            "kiosk_fleet_double_prints",
            "Items this kiosk delivered that another kiosk of the fleet had delivered too (an "
            "outage of the shared ledger allowed it): each is also a fleet.double_print event.",
            value=doubles,
        )
        yield GaugeMetricFamily(
            "kiosk_fleet_unsynced",
            "Writes this kiosk owes the fleet's shared ledger (it could not be reached).",
            value=unsynced,
        )
        yield CounterMetricFamily(
            "kiosk_patients_served",
            "Patient visits (patient and day) with at least one confirmed item.",
            value=served or 0,
        )


class KioskMetrics:
    """The kiosk's own registry: the collector, visit timings and the process's resources."""

    def __init__(self, monitor: HealthMonitor, store: Store) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(KioskCollector(monitor, store))
        ProcessCollector(registry=self.registry)
        self.scan_to_first_sheet = Histogram(
            "kiosk_scan_to_first_sheet_seconds",
            "Seconds from a patient's scan to the first sheet or page a printer confirmed.",
            buckets=SCAN_TO_FIRST_SHEET_BUCKETS,
            registry=self.registry,
        )
