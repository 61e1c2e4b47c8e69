"""Wiring of the health monitor, metrics and HTTP server for one kiosk."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk_app.app import Kiosk
from kiosk_app.health.metrics import KioskMetrics
from kiosk_app.health.monitor import HealthMonitor, Probe
from kiosk_app.health.server import HealthServer
from kiosk_app.services.health import Condition, Level
from kiosk_app.store.tables import Consumable
from offline_cache import outbox

MEDIA_LOW = 20
"""Sheets left (per printer and size) below which film or paper is reported low (yellow)."""
OUTBOX_BACKLOG = 100
"""Events waiting to leave the kiosk above which the link is reported (yellow)."""


def link_probes(kiosk: Kiosk) -> dict[str, Probe]:
    """The offline cache and the outbox as health components, where the kiosk has them."""
    probes: dict[str, Probe] = {}
    cache = kiosk.cache
    if cache is not None:

        def cache_probe() -> tuple[dict[str, object], list[Condition]]:
            usage = cache.usage()
            hits = int(getattr(kiosk.source, "hits", 0))
            misses = int(getattr(kiosk.source, "misses", 0))
            component: dict[str, object] = {
                "bytes": usage.bytes,
                "max_bytes": usage.max_bytes,
                "entries": usage.entries,
                "instance_hits": hits,
                "instance_misses": misses,
            }
            return component, []

        probes["cache"] = cache_probe
    store = kiosk.store

    def consumables_probe() -> tuple[dict[str, object], list[Condition]]:
        with store.session() as session:
            rows = session.execute(
                select(
                    Consumable.printer, Consumable.media, Consumable.remaining, Consumable.loaded
                )
            ).all()
        component: dict[str, object] = {}
        conditions = []
        for printer, media, left, last_loaded in rows:
            component[f"{printer}/{media}"] = {"remaining": left, "loaded": last_loaded}
            if left <= 0:
                conditions.append(
                    Condition("consumables", Level.RED, f"{media} empty on {printer}")
                )
            elif left < max(MEDIA_LOW, last_loaded // 10):
                conditions.append(
                    Condition("consumables", Level.YELLOW, f"{media} low on {printer}: {left} left")
                )
        return component, conditions

    probes["consumables"] = consumables_probe
    if kiosk.outbox_sender is not None:
        engine = kiosk.store.engine

        def outbox_probe() -> tuple[dict[str, object], list[Condition]]:
            pending = outbox.counts(engine).get(outbox.OutboxState.PENDING.value, 0)
            conditions = []
            if pending > OUTBOX_BACKLOG:
                conditions.append(
                    Condition("outbox", Level.YELLOW, f"{pending} events waiting to be sent")
                )
            return {"pending": pending}, conditions

        probes["outbox"] = outbox_probe
    return probes


@dataclass
class HealthEndpoint:
    monitor: HealthMonitor
    metrics: KioskMetrics
    server: HealthServer | None
    kiosk: Kiosk

    @classmethod
    def for_kiosk(cls, kiosk: Kiosk, *, serve: bool = True) -> HealthEndpoint:
        """Monitor (and, with ``serve``, an HTTP server bound but not started yet)."""
        settings = kiosk.settings.health
        monitor = HealthMonitor(
            kiosk.health,
            data_dir=kiosk.settings.kiosk.data_dir,
            interval=settings.poll_interval,
            stale_after=settings.stale_after,
            probes=link_probes(kiosk),
        )
        kiosk.status_provider = lambda: monitor.current().to_json()
        endpoint = cls(monitor, KioskMetrics(monitor, kiosk.store), None, kiosk)
        if serve:
            endpoint.serve()
        return endpoint

    def serve(self) -> None:
        """Bind the HTTP server (started by :meth:`start`). Raises OSError if the port is taken."""
        settings = self.kiosk.settings.health
        tls = (
            (settings.tls_cert, settings.tls_key)
            if settings.tls_cert and settings.tls_key
            else None
        )
        self.server = HealthServer(
            (settings.bind, settings.port), self.monitor, self.metrics, settings.token, tls
        )

    def start(self) -> None:
        self.monitor.start()
        if self.server is not None:
            self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.monitor.stop()
