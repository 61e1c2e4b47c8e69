"""The outbox: events that must leave the kiosk, stored with the change that caused them.

:func:`enqueue` takes the caller's own Session or Connection, so the event is committed in the
same transaction as the state change (a delivery in the ledger, a device fault) or not at all.
A sender then :func:`claim`\\ s due events (a lease, so a sender that dies releases them by
itself), sends each with its idempotency key, and marks it :func:`mark_sent` or
:func:`mark_failed` (exponential back-off with jitter). Nothing is ever deleted unsent; after a
restart the pending events are simply due again. Heartbeats ``coalesce``: only the latest
pending one is kept.
"""

from __future__ import annotations

import enum
import json
import os
import random
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from offline_cache.schema import outbox


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class OutboxState(enum.Enum):
    """Where an event stands."""

    PENDING = "pending"
    """Not yet acknowledged by the receiver (maybe claimed by a sender right now)."""
    SENT = "sent"
    """The receiver acknowledged it."""


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.idempotency_key,
            "kind": self.kind,
            "created_at": self.created_at.isoformat() + "Z",
            "payload": self.payload,
        }


def enqueue(
    conn: Connection | Session,
    kind: str,
    payload: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
    coalesce: bool = False,
    now: datetime | None = None,
) -> str:
    """Add an event inside the caller's transaction; returns its idempotency key.

    ``coalesce`` replaces any pending, unclaimed event of the same kind (heartbeats).
    """
    now = now or utcnow()
    key = idempotency_key or uuid.uuid4().hex
    if coalesce:
        conn.execute(
            delete(outbox).where(
                outbox.c.kind == kind,
                outbox.c.state == OutboxState.PENDING.value,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
            )
        )
    conn.execute(
        insert(outbox).values(
            idempotency_key=key,
            kind=kind,
            payload=json.dumps(dict(payload), ensure_ascii=False, sort_keys=True, default=str),
            state=OutboxState.PENDING.value,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            last_error="",
        )
    )
    return key


def claim(
    engine: Engine,
    *,
    limit: int = 20,
    lease: timedelta = timedelta(seconds=60),
    now: datetime | None = None,
) -> list[OutboxEvent]:
    """Due pending events, oldest first, leased to this caller until ``now + lease``."""
    now = now or utcnow()
    token = f"{os.getpid()}:{secrets.token_hex(6)}"
    due = and_(
        outbox.c.state == OutboxState.PENDING.value,
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
    )
    with engine.begin() as conn:
        ids = (
            conn.execute(select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit))
            .scalars()
            .all()
        )
        if not ids:
            return []
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), due)
            .values(claimed_until=now + lease, claimed_by=token)
        )
        rows = conn.execute(
            select(outbox).where(outbox.c.claimed_by == token).order_by(outbox.c.id)
        ).all()
    return [
        OutboxEvent(
            id=r.id,
            idempotency_key=r.idempotency_key,
            kind=r.kind,
            payload=json.loads(r.payload),
            attempts=r.attempts,
            created_at=r.created_at,
        )
        for r in rows
    ]


def mark_sent(engine: Engine, event_id: int, *, now: datetime | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == event_id)
            .values(
                state=OutboxState.SENT.value,
                sent_at=now or utcnow(),
                claimed_until=None,
                claimed_by=None,
                last_error="",
            )
        )


def backoff_delay(
    attempts: int, *, base: float, maximum: float, rng: random.Random | None = None
) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter (50-100 %)."""
    ceiling = min(maximum, base * (2 ** max(0, attempts - 1)))
    return ceiling * (rng or random).uniform(0.5, 1.0)


def mark_failed(
    engine: Engine,
    event_id: int,
    error: str,
    *,
    now: datetime | None = None,
    base: float = 1.0,
    maximum: float = 300.0,
    rng: random.Random | None = None,
) -> datetime:
    """Record a failed attempt; the event is due again after the back-off. Returns when."""
    now = now or utcnow()
    with engine.begin() as conn:
        attempts = conn.execute(
            select(outbox.c.attempts).where(outbox.c.id == event_id)
        ).scalar_one()
        attempts += 1
        due = now + timedelta(seconds=backoff_delay(attempts, base=base, maximum=maximum, rng=rng))
        conn.execute(
            update(outbox)
            .where(outbox.c.id == event_id)
            .values(
                attempts=attempts,
                next_attempt_at=due,
                claimed_until=None,
                claimed_by=None,
                last_error=error[:500],
            )
        )
    return due


def release(engine: Engine, event_ids: list[int]) -> None:
    """Give claimed events back without counting an attempt (the sender stopped early)."""
    if not event_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(event_ids))
            .values(claimed_until=None, claimed_by=None)
        )


def release_dead_claims(engine: Engine) -> int:
    """Release events claimed by a process that no longer runs (killed before marking them).

    Their lease would run out by itself; this makes a restarted kiosk send them at once. A
    claim by a live process is left alone.
    """
    with engine.begin() as conn:
        rows = conn.execute(
            select(outbox.c.id, outbox.c.claimed_by).where(
                outbox.c.state == OutboxState.PENDING.value, outbox.c.claimed_by.is_not(None)
            )
        ).all()
        dead = [row.id for row in rows if not _alive(row.claimed_by)]
        if dead:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(dead))
                .values(claimed_until=None, claimed_by=None)
            )
    return len(dead)


def _alive(claimed_by: str) -> bool:
    pid_text = claimed_by.split(":", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0) but will never mark anything.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def counts(engine: Engine) -> dict[str, int]:
    """Events per state, for the health snapshot."""
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
    return {state: int(n) for state, n in rows}


def purge_sent(engine: Engine, older_than: timedelta, *, now: datetime | None = None) -> int:
    limit = (now or utcnow()) - older_than
    with engine.begin() as conn:
        result = conn.execute(
            delete(outbox).where(
                outbox.c.state == OutboxState.SENT.value, outbox.c.sent_at <= limit
            )
        )
    return result.rowcount or 0
