"""Health components beyond the printers and the cloud: consumables, offline cache, outbox,
the fleet's shared ledger."""

from __future__ import annotations

from sqlalchemy import select

from kiosk_app.health.monitor import Probe
from kiosk_app.services.fleet import FleetLedger
from kiosk_app.services.health import Condition, Level
from kiosk_app.sources.base import StudySource
from kiosk_app.store import Store
from kiosk_app.store.tables import Consumable
from offline_cache import outbox
from offline_cache.blobs import BlobStore
from offline_cache.sync import OutboxSender

MEDIA_LOW = 20
"""Sheets left (per printer and size) below which film or paper is reported low (yellow)."""
OUTBOX_BACKLOG = 100
"""Events waiting to leave the kiosk above which the link is reported (yellow)."""


def link_probes(
    store: Store,
    source: StudySource,
    cache: BlobStore | None = None,
    outbox_sender: OutboxSender | None = None,
    fleet: FleetLedger | None = None,
) -> dict[str, Probe]:
    """Film and paper left, and the offline cache and the outbox where the kiosk has them, as
    health components."""
    probes: dict[str, Probe] = {}
    if cache is not None:

        def cache_probe() -> tuple[dict[str, object], list[Condition]]:
            usage = cache.usage()
            hits = int(getattr(source, "hits", 0))
            misses = int(getattr(source, "misses", 0))
            component: dict[str, object] = {
                "bytes": usage.bytes,
                "max_bytes": usage.max_bytes,
                "entries": usage.entries,
                "instance_hits": hits,
                "instance_misses": misses,
            }
            return component, []

        probes["cache"] = cache_probe

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
    if outbox_sender is not None:
        engine = store.engine

        def outbox_probe() -> tuple[dict[str, object], list[Condition]]:
            pending = outbox.counts(engine).get(outbox.OutboxState.PENDING.value, 0)
            conditions = []
            if pending > OUTBOX_BACKLOG:
                conditions.append(
                    Condition("outbox", Level.YELLOW, f"{pending} events waiting to be sent")
                )
            return {"pending": pending}, conditions

        probes["outbox"] = outbox_probe
    if fleet is not None:

        def fleet_probe() -> tuple[dict[str, object], list[Condition]]:
            reachable = fleet.reachable()
            component: dict[str, object] = {
                "reachable": reachable,
                "offline_rule": fleet.offline_rule,
                "unsynced": fleet.unsynced(),
                "double_prints": fleet.double_prints(),
            }
            conditions = []
            if not reachable:
                rule = (
                    "prints nothing"
                    if fleet.offline_rule == "refuse"
                    else "prints only what it holds itself"
                )
                conditions.append(
                    Condition(
                        "fleet",
                        Level.ORANGE,
                        f"the fleet's shared ledger is unreachable ({fleet.last_error}); "
                        f"the kiosk {rule}",
                    )
                )
            return component, conditions

        probes["fleet"] = fleet_probe
    return probes
