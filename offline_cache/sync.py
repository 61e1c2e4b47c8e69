"""The outbox sender: claims due events, POSTs each to the receiver, marks the outcome.

The receiver gets ``POST <url>`` with a JSON body ``{"id", "kind", "created_at", "payload"}``
and the header ``Idempotency-Key: <id>``; any 2xx, or 409 (already have it), acknowledges the
event. Sending is at least once: an event is marked sent only after the receiver answered, so a
kiosk that dies in between sends it again after a restart and the receiver counts it once by
its key. While the link is down the first failure ends the round, and that event backs off.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from sqlalchemy import Engine

from offline_cache import outbox
from offline_cache.errors import OfflineCacheError

log = logging.getLogger(__name__)

#: Acknowledged events are kept this long (for staff looking back), then deleted.
SENT_KEPT = timedelta(days=30)


class DeliveryError(OfflineCacheError):
    """The receiver did not acknowledge an event."""


class Transport(Protocol):
    def send(self, event: outbox.OutboxEvent) -> None:
        """Deliver one event or raise DeliveryError."""
        ...


class HttpTransport:
    """POSTs events as JSON to one URL (loopback or TLS), bearer token optional."""

    def __init__(
        self,
        url: str,
        *,
        token: str = "",
        timeout: tuple[float, float] = (3.0, 10.0),
        ca_bundle: str | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = ca_bundle or True
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def send(self, event: outbox.OutboxEvent) -> None:
        try:
            response = self.http.post(
                self.url,
                json=event.to_json(),
                headers={"Idempotency-Key": event.idempotency_key},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DeliveryError(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        if 200 <= response.status_code < 300 or response.status_code == 409:
            return
        raise DeliveryError(f"HTTP {response.status_code}")


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    remaining_due: bool


class OutboxSender:
    """Drains the outbox through a transport; one round at a time or in a background loop."""

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        *,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        batch: int = 20,
        lease: timedelta = timedelta(seconds=120),
        clock: Callable[[], datetime] = outbox.utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.batch = batch
        self.lease = lease
        self.clock = clock
        self.rng = rng or random.Random()
        # After a failure the whole link backs off, not just the event that failed: otherwise
        # every round would try the next event against a link that is down.
        self._paused_until: datetime | None = None
        self._started = False

    def send_due(self) -> SendReport:
        """One round: send what is due, stopping at the first failure (the link is down)."""
        if self._paused_until is not None and self.clock() < self._paused_until:
            return SendReport(0, 0, False)
        if not self._started:
            self._started = True
            outbox.purge_sent(self.engine, SENT_KEPT, now=self.clock())
            released = outbox.release_dead_claims(self.engine)
            if released:
                log.info("outbox: %d event(s) claimed by a stopped process are due again", released)
        events = outbox.claim(self.engine, limit=self.batch, lease=self.lease, now=self.clock())
        sent = failed = 0
        for index, event in enumerate(events):
            try:
                self.transport.send(event)
            except DeliveryError as exc:
                failed += 1
                due = outbox.mark_failed(
                    self.engine,
                    event.id,
                    str(exc),
                    now=self.clock(),
                    base=self.backoff_base,
                    maximum=self.backoff_max,
                    rng=self.rng,
                )
                self._paused_until = due
                log.warning("outbox: %s not delivered (%s); next try %s", event.kind, exc, due)
                outbox.release(self.engine, [e.id for e in events[index + 1 :]])
                return SendReport(sent, failed, False)
            outbox.mark_sent(self.engine, event.id, now=self.clock())
            self._paused_until = None
            sent += 1
        return SendReport(sent, failed, len(events) == self.batch)

    def flush(self, deadline: float, monotonic: Callable[[], float] = time.monotonic) -> int:
        """Send rounds until nothing is due, a failure, or ``deadline`` (monotonic) passes."""
        total = 0
        while monotonic() < deadline:
            report = self.send_due()
            total += report.sent
            if report.failed or not report.remaining_due:
                break
        return total

    def run(
        self,
        stop: threading.Event,
        *,
        interval: float = 5.0,
        heartbeat: Callable[[], Mapping[str, Any]] | None = None,
        heartbeat_interval: float = 60.0,
        enqueue_heartbeat: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> None:
        """Loop until ``stop`` is set: a heartbeat now and then, and a sending round."""
        next_beat = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if heartbeat and enqueue_heartbeat and now >= next_beat:
                try:
                    enqueue_heartbeat(heartbeat())
                except Exception:  # a heartbeat must never stop the sender
                    log.exception("outbox: could not record a heartbeat")
                next_beat = now + heartbeat_interval
            try:
                self.send_due()
            except Exception:
                log.exception("outbox: sending round failed")
            stop.wait(interval)
