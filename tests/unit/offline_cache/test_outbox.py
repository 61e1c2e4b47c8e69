"""The outbox: written with the change, claimed, sent at least once, backed off, never lost."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select, text

from offline_cache import outbox
from offline_cache.schema import outbox as outbox_table
from offline_cache.sync import DeliveryError, OutboxSender

T0 = datetime(2026, 11, 26, 8, 0, 0)


def rows(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        return [
            (r.kind, r.state, r.attempts)
            for r in conn.execute(select(outbox_table).order_by(outbox_table.c.id))
        ]


def test_an_event_commits_or_rolls_back_with_the_state_change(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY, what TEXT)"))
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger (what) VALUES ('delivered')"))
        outbox.enqueue(conn, "item.delivered", {"job": 1}, now=T0)
        raise RuntimeError("crash before commit")
    assert rows(engine) == []
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger (what) VALUES ('delivered')"))
        outbox.enqueue(conn, "item.delivered", {"job": 1}, now=T0)
    assert rows(engine) == [("item.delivered", "pending", 0)]


def test_heartbeats_keep_only_the_latest(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, "item.delivered", {"n": 1}, now=T0)
        for n in range(5):
            outbox.enqueue(conn, "heartbeat", {"n": n}, coalesce=True, now=T0)
    events = outbox.claim(engine, now=T0)
    assert [(e.kind, e.payload) for e in events] == [
        ("item.delivered", {"n": 1}),
        ("heartbeat", {"n": 4}),
    ]


def test_a_claimed_event_is_not_claimed_twice_until_its_lease_ends(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, "device.fault", {}, now=T0)
    first = outbox.claim(engine, now=T0, lease=timedelta(seconds=30))
    assert len(first) == 1
    assert outbox.claim(engine, now=T0 + timedelta(seconds=10)) == []
    # The sender died holding it: after the lease it is due again, with the same key.
    again = outbox.claim(engine, now=T0 + timedelta(seconds=31))
    assert [e.idempotency_key for e in again] == [first[0].idempotency_key]


class Receiver:
    """Counts events by idempotency key, as a receiver that de-duplicates would."""

    def __init__(self) -> None:
        self.up = True
        self.seen: dict[str, int] = {}

    def send(self, event: outbox.OutboxEvent) -> None:
        if not self.up:
            raise DeliveryError("connection refused")
        self.seen[event.idempotency_key] = self.seen.get(event.idempotency_key, 0) + 1


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_back_off_while_the_link_is_down_then_everything_arrives(engine: Engine) -> None:
    receiver, clock = Receiver(), Clock()
    sender = OutboxSender(
        engine, receiver, backoff_base=2, backoff_max=60, clock=clock, rng=random.Random(1)
    )
    with engine.begin() as conn:
        keys = [outbox.enqueue(conn, "item.delivered", {"n": n}, now=T0) for n in range(3)]
    receiver.up = False
    waits = []
    for _ in range(8):
        report = sender.send_due()
        assert report.failed == 1 and report.sent == 0
        with engine.connect() as conn:
            due = conn.execute(
                select(outbox_table.c.next_attempt_at).where(outbox_table.c.attempts > 0)
            ).scalar_one()
        waits.append((due - clock.now).total_seconds())
        # Nothing is due before the back-off ends.
        clock.now = due - timedelta(milliseconds=1)
        assert sender.send_due().sent == 0
        clock.now = due
    ceilings = [2, 4, 8, 16, 32, 60, 60, 60]  # doubling from 2 s, capped at 60 s
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    receiver.up = True
    sent = 0
    for _ in range(3):
        sent += sender.send_due().sent
    assert sent == 3
    assert receiver.seen == {k: 1 for k in keys}
    assert {state for _k, state, _a in rows(engine)} == {"sent"}


def test_events_survive_a_restart(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    with engine.begin() as conn:
        key = outbox.enqueue(conn, "reprint.authorised", {"item": "x"}, now=T0)
    engine.dispose()
    reopened = create_engine(engine.url)
    receiver = Receiver()
    OutboxSender(reopened, receiver, clock=lambda: T0).send_due()
    assert receiver.seen == {key: 1}


def test_duplicate_idempotency_keys_are_refused(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with engine.begin() as conn:
        outbox.enqueue(conn, "k", {}, idempotency_key="same", now=T0)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(outbox_table).values(
                idempotency_key="same",
                kind="k",
                payload="{}",
                state="pending",
                attempts=0,
                created_at=T0,
                next_attempt_at=T0,
                last_error="",
            )
        )


def test_claims_of_a_killed_process_are_released_at_restart(engine: Engine) -> None:
    import subprocess
    import sys

    with engine.begin() as conn:
        key = outbox.enqueue(conn, "item.delivered", {}, now=T0)
    # Another process claims it and dies without marking it.
    code = (
        "import sys; from sqlalchemy import create_engine; from offline_cache import outbox;"
        "from datetime import datetime;"
        f"outbox.claim(create_engine({str(engine.url)!r}), now=datetime(2026, 11, 26, 8))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert outbox.claim(engine, now=T0) == []  # still leased to the dead process
    receiver = Receiver()
    OutboxSender(engine, receiver, clock=lambda: T0).send_due()
    assert receiver.seen == {key: 1}
