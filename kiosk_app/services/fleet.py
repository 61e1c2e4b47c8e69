"""Print-once across kiosks: claims, deliveries and reprints in the fleet's shared ledger.

A hospital runs several kiosks against one PostgreSQL (``[fleet] database``); each keeps its
own SQLite database for its jobs, and the shared one holds what the fleet must agree on:

* **Claims.** Before a kiosk sends the first byte of an item it claims it
  (:meth:`FleetLedger.claim`): one row per item (a unique constraint on ``item_key``) with the
  kiosk's id and a lease it renews while printing. A second kiosk is refused (the patient is
  told it is printing, or was printed, elsewhere). A lease that ran out (its kiosk crashed, or
  lost the network mid-print) is **never taken over**: the claim becomes ``unknown`` and waits
  for a nurse, at any kiosk, who says whether it printed (:meth:`FleetLedger.settle`).
* **Deliveries** (the fleet ledger), **reprint authorisations** (one more print of a delivered
  item, by any kiosk) and an **audit copy** of the fleet's own actions (claims expired, nurses'
  settlements, double prints), in the same tables and migrations as a kiosk's own database.
* **Offline** (the shared ledger unreachable): ``[fleet] offline = "refuse"`` prints nothing;
  ``"prefetched-only"`` prints what this kiosk holds itself, checked against its own ledger,
  and writes what it did to ``fleet_journal``. :meth:`FleetLedger.reconcile` replays the
  journal on reconnect; a delivery another kiosk also made meanwhile is a **double print**: an
  outbox event (``fleet.double_print``) and an audit row at both ends, the journal row's
  ``conflict`` and the ``kiosk_fleet_double_prints`` metric, which an alert watches. Never a
  silent row.

The shared ledger holds no PatientID or accession number: print-once goes by the study.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk_app.core.errors import KioskError
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.logs import EVENT_ACTION
from kiosk_app.services.policy import Decision
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, item_key
from kiosk_app.store.tables import (
    FleetClaim,
    FleetJournal,
    LedgerEntry,
    PrintJob,
    ReprintAuthorisation,
    utcnow,
)
from offline_cache import outbox

log = logging.getLogger(__name__)

DOUBLE_PRINT = "fleet.double_print"
"""The outbox event of a double print that an outage allowed (or a settled claim let happen)."""

RETRY_AFTER = 5.0
"""Seconds after the shared ledger failed to answer during which it is taken as unreachable
without asking again (a visit's items would each wait ``connect_timeout`` otherwise)."""

OfflineRule = Literal["refuse", "prefetched-only"]
#: Whether this kiosk holds an item's content itself (offline cache, local archive).
Prefetched = Callable[[Exam, ItemKind], bool]


class ClaimState(enum.Enum):
    """Where an item's claim in the shared ledger is."""

    PRINTING = "printing"
    """A kiosk is printing it; its lease says until when, unless renewed."""
    DELIVERED = "delivered"
    """Printed: a reprint needs a nurse's authorisation."""
    RELEASED = "released"
    """Nothing of it printed (failed, cancelled, or a nurse found nothing): any kiosk may."""
    UNKNOWN = "unknown"
    """It may or may not have printed (a crash, an expired lease): a nurse must say."""


class ClaimRefusedError(KioskError):
    """Another kiosk prints or printed this item, or a nurse must settle it; nothing sent."""

    message_id = "item.printing_elsewhere"


class FleetUnreachableError(ClaimRefusedError):
    """The shared ledger cannot be reached and ``[fleet] offline`` does not allow this item."""

    message_id = "fleet.offline"


class _UnreachableError(Exception):
    """The shared ledger did not answer (connection refused, timed out, dropped)."""


@dataclass(frozen=True)
class Claim:
    """This kiosk's claim on one item: it may send it."""

    key: str
    reprint: bool = False
    """It prints on a nurse's reprint authorisation (used up by this claim)."""
    authorisation: int | None = None
    offline: bool = False
    """Taken while the shared ledger was unreachable (journalled, reconciled later)."""


@dataclass(frozen=True)
class ClaimView:
    """A claim as a nurse sees it, from any kiosk."""

    item_key: str
    kind: str
    study_uid: str
    kiosk_id: str
    state: ClaimState
    claimed_at: datetime
    lease_until: datetime
    reason: str
    job_id: int | None = None
    """The job in that kiosk's own database."""


@dataclass(frozen=True)
class ReconcileReport:
    """What a replay of the journal did."""

    synced: int
    double_prints: int


class FleetLedger:
    """This kiosk's side of the shared ledger; safe to call from several threads."""

    def __init__(
        self,
        shared: Store,
        local: Store,
        kiosk_id: str,
        *,
        lease: float = 120.0,
        offline: OfflineRule = "refuse",
        prefetched: Prefetched | None = None,
        print_once: bool = True,
        now: Callable[[], datetime] = utcnow,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared = shared
        self.local = local
        self.kiosk_id = kiosk_id
        self.lease = timedelta(seconds=lease)
        self.offline_rule = offline
        self.prefetched = prefetched or (lambda _exam, _kind: False)
        self.print_once = print_once
        self.now = now
        self.clock = clock
        self._renewed: dict[int, float] = {}
        self._lock = threading.Lock()
        self._replaying = threading.RLock()  # one replay of the journal at a time
        self._migrated = False
        self._down_until = float("-inf")
        self.last_error = ""

    # ------------------------------------------------------------------ connection

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A unit of work on the shared ledger; :class:`_UnreachableError` when it is gone."""
        if self.clock() < self._down_until:
            # it failed a moment ago: say so at once rather than wait for each item again
            raise _UnreachableError(self.last_error)
        try:
            if not self._migrated:
                self.shared.migrate()
                self._migrated = True
            with self.shared.session() as session:
                yield session
        except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
            self.last_error = _short(exc)
            self._down_until = self.clock() + RETRY_AFTER
            log.warning("fleet ledger unreachable: %s", self.last_error)
            raise _UnreachableError(self.last_error) from exc
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated:
                self.last_error = _short(exc)
                raise _UnreachableError(self.last_error) from exc
            raise

    def reachable(self) -> bool:
        try:
            with self._session() as session:
                session.execute(select(1))
            return True
        except _UnreachableError:
            return False

    # ------------------------------------------------------------------ deciding (plan)

    def decide(self, exam: Exam, kind: ItemKind) -> Decision | None:
        """What the fleet says of printing this item now; None: the fleet does not object
        (the local rules and policy decide). Offline: per ``[fleet] offline``."""
        key = item_key(exam.study_uid, kind.value)
        try:
            with self._session() as session:
                claim = session.scalars(
                    select(FleetClaim).where(FleetClaim.item_key == key)
                ).first()
                if claim is None:
                    return None
                state = ClaimState(claim.state)
                if state is ClaimState.PRINTING and claim.kiosk_id != self.kiosk_id:
                    if claim.lease_until > self.now():
                        return Decision(False, "item.printing_elsewhere", {"kiosk": claim.kiosk_id})
                    self._expire(session, claim, self.now())
                    return Decision(False, "item.waits_for_staff", {"kiosk": claim.kiosk_id})
                if state is ClaimState.UNKNOWN:
                    return Decision(False, "item.waits_for_staff", {"kiosk": claim.kiosk_id})
                if state is ClaimState.DELIVERED and self.print_once:
                    if _pending_authorisation(session, key) is not None:
                        return None
                    last = _last_delivery(session, key)
                    when = (last.delivered_at if last else claim.updated_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                    if last is not None and last.kiosk_id == self.kiosk_id:
                        return Decision(False, "item.already_printed", {"when": f"{when} UTC"})
                    return Decision(
                        False,
                        "item.printed_elsewhere",
                        {"kiosk": last.kiosk_id if last else claim.kiosk_id, "when": f"{when} UTC"},
                    )
                return None
        except _UnreachableError as exc:
            if self.offline_rule == "prefetched-only" and self.prefetched(exam, kind):
                return None
            return Decision(False, "fleet.offline", {"detail": str(exc)})

    def reprint_pending(self, key: str) -> bool | None:
        """A fleet reprint authorisation waits for this item; None when unreachable."""
        try:
            with self._session() as session:
                return _pending_authorisation(session, key) is not None
        except _UnreachableError:
            return None

    # ------------------------------------------------------------------ claiming

    def claim(self, exam: Exam, kind: ItemKind) -> Claim:
        """Claim an item before its first byte is sent.

        Raises:
            ClaimRefusedError: another kiosk is printing it or printed it, or a nurse must
                settle it first (an expired lease is made ``unknown`` here, never taken).
            FleetUnreachableError: the shared ledger is unreachable and ``[fleet] offline``
                does not allow this item.
        """
        key = item_key(exam.study_uid, kind.value)
        try:
            return self._claim_shared(key)
        except _UnreachableError as exc:
            if self.offline_rule != "prefetched-only" or not self.prefetched(exam, kind):
                raise FleetUnreachableError(detail=str(exc)) from exc
            self._journal(key, kind.value, exam.study_uid, "claimed", offline=True)
            log.warning(
                "fleet ledger unreachable: %s claimed locally (offline rule prefetched-only)",
                kind.value,
                extra={EVENT_ACTION: "fleet.claimed_offline"},
            )
            return Claim(key, offline=True)

    def _claim_shared(self, key: str) -> Claim:
        now = self.now()
        refused: ClaimRefusedError | None = None
        with self._session() as session:
            inserted = session.execute(
                _insert(session)(FleetClaim)
                .values(
                    item_key=key,
                    kiosk_id=self.kiosk_id,
                    state=ClaimState.PRINTING.value,
                    lease_until=now + self.lease,
                    claimed_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["item_key"])
                .returning(FleetClaim.id)
            ).first()
            if inserted is not None and _last_delivery(session, key) is None:
                log.info("fleet: claimed an item", extra={EVENT_ACTION: "fleet.claimed"})
                return Claim(key)
            claim = session.scalars(
                select(FleetClaim).where(FleetClaim.item_key == key).with_for_update()
            ).one()
            state = ClaimState(claim.state)
            if inserted is not None:
                state = ClaimState.DELIVERED  # delivered before claims were kept
            if state is ClaimState.PRINTING:
                if claim.lease_until > now:
                    refused = ClaimRefusedError(kiosk=claim.kiosk_id)
                else:
                    self._expire(session, claim, now)
                    refused = ClaimRefusedError("item.waits_for_staff", kiosk=claim.kiosk_id)
            elif state is ClaimState.UNKNOWN:
                refused = ClaimRefusedError("item.waits_for_staff", kiosk=claim.kiosk_id)
            elif state is ClaimState.DELIVERED and self.print_once:
                authorisation = _pending_authorisation(session, key, lock=True)
                if authorisation is None:
                    last = _last_delivery(session, key)
                    when = (last.delivered_at if last else claim.updated_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                    refused = ClaimRefusedError(
                        "item.printed_elsewhere",
                        kiosk=last.kiosk_id if last else claim.kiosk_id,
                        when=f"{when} UTC",
                    )
                    if inserted is not None:
                        claim.state = ClaimState.DELIVERED.value
                else:
                    authorisation.used_at = now
                    _take(claim, self.kiosk_id, now, self.lease)
                    return Claim(key, reprint=True, authorisation=authorisation.id)
            else:  # released, or delivered with print-once off
                _take(claim, self.kiosk_id, now, self.lease)
                return Claim(key)
        assert refused is not None
        raise refused

    def _expire(self, session: Session, claim: FleetClaim, now: datetime) -> None:
        """A printing claim whose lease ran out: unknown for a nurse (never taken over)."""
        claim.state, claim.updated_at = ClaimState.UNKNOWN.value, now
        claim.reason = f"lease of {claim.kiosk_id} ran out at {claim.lease_until:%H:%M:%S} UTC"
        AuditRepository(session).record(
            self.kiosk_id,
            "fleet.claim_expired",
            subject=claim.item_key,
            detail={"kiosk": claim.kiosk_id, "job": claim.job_id},
            copy_to_outbox=False,
        )
        log.warning(
            "fleet: the claim of %s ran out; unknown until a nurse settles it",
            claim.kiosk_id,
            extra={EVENT_ACTION: "fleet.claim_expired"},
        )

    def attach(self, claim: Claim, job: PrintJob) -> None:
        """The local job that prints the claimed item (and the authorisation it used)."""
        if claim.offline:
            with self.local.session() as session:
                row = session.scalars(
                    select(FleetJournal)
                    .where(FleetJournal.item_key == claim.key, FleetJournal.job_id.is_(None))
                    .order_by(FleetJournal.id.desc())
                ).first()
                if row is not None:
                    row.job_id, row.printer, row.units = job.id, job.printer, job.units_total
            return
        try:
            with self._session() as session:
                mine = _mine(session, claim.key, self.kiosk_id)
                if mine is not None:
                    mine.job_id = job.id
                if claim.authorisation is not None:
                    authorisation = session.get(ReprintAuthorisation, claim.authorisation)
                    if authorisation is not None:
                        authorisation.job_id = job.id
        except _UnreachableError:
            log.warning("fleet: job %d not attached to its claim (ledger unreachable)", job.id)

    def release_unused(self, claim: Claim) -> None:
        """The claim was taken but no job came of it (nothing sent)."""
        self._record(claim.key, "", "", None, "", 0, ClaimState.RELEASED, offline=claim.offline)

    def renew(self, job: PrintJob) -> None:
        """Keep this kiosk's lease on a printing item (at most every third of the lease)."""
        with self._lock:
            last = self._renewed.get(job.id, float("-inf"))
            if self.clock() - last < self.lease.total_seconds() / 3:
                return
            self._renewed[job.id] = self.clock()
        try:
            with self._session() as session:
                row = _mine(session, job.item_key, self.kiosk_id)
                if row is not None and row.job_id in (job.id, None):
                    row.lease_until = self.now() + self.lease
                    if row.state == ClaimState.UNKNOWN.value and not row.settled_by:
                        # this kiosk's own unknown job is going on (a nurse resumed it here)
                        row.state = ClaimState.PRINTING.value
        except _UnreachableError:
            pass

    def finished(self, job: PrintJob, state: JobState) -> None:
        """A job ended: the claim follows (delivered, released, unknown), or the journal does."""
        self._renewed.pop(job.id, None)
        claim_state = {
            JobState.COMPLETED: ClaimState.DELIVERED,
            JobState.UNKNOWN: ClaimState.UNKNOWN,
        }.get(state, ClaimState.RELEASED)
        offline = self._offline_job(job.id)
        self._record(
            job.item_key,
            job.kind,
            job.study_uid,
            job.id,
            job.printer,
            job.units_total,
            claim_state,
            offline=offline,
            reprint=job.reprint,
        )

    def _offline_job(self, job_id: int) -> bool:
        with self.local.session() as session:
            return (
                session.scalars(
                    select(FleetJournal.id).where(
                        FleetJournal.job_id == job_id, FleetJournal.offline.is_(True)
                    )
                ).first()
                is not None
            )

    def _record(
        self,
        key: str,
        kind: str,
        study_uid: str,
        job_id: int | None,
        printer: str,
        units: int,
        state: ClaimState,
        *,
        offline: bool = False,
        reprint: bool = False,
    ) -> None:
        action = state.value
        if offline or self._unsynced():
            # keep the order: what is owed is replayed first
            self._journal(key, kind, study_uid, action, job_id, printer, units, offline=offline)
            self.reconcile()
            return
        try:
            with self._session() as session:
                conflict = self._apply(
                    session, key, kind, study_uid, job_id, printer, units, state, reprint
                )
        except _UnreachableError:
            self._journal(key, kind, study_uid, action, job_id, printer, units)
            return
        except Exception:  # the local record stands; the journal retries the shared one
            log.exception("fleet: recording a %s in the shared ledger failed", action)
            self._journal(key, kind, study_uid, action, job_id, printer, units)
            return
        if conflict:
            self._double_print(key, kind, study_uid, job_id, conflict)

    def _apply(
        self,
        session: Session,
        key: str,
        kind: str,
        study_uid: str,
        job_id: int | None,
        printer: str,
        units: int,
        state: ClaimState,
        reprint: bool,
        offline: bool = False,
    ) -> str:
        """Write one of this kiosk's outcomes to the shared ledger; the double print it
        reveals (empty: none)."""
        now = self.now()
        claim = session.scalars(
            select(FleetClaim).where(FleetClaim.item_key == key).with_for_update()
        ).first()
        ours = (
            claim is not None
            and claim.kiosk_id == self.kiosk_id
            and claim.job_id
            in (
                job_id,
                None,
            )
        )
        if state is not ClaimState.DELIVERED:
            if ours and claim is not None and not claim.settled_by:
                claim.state, claim.updated_at = state.value, now
            elif claim is None and state is ClaimState.UNKNOWN:
                session.add(_new_claim(key, self.kiosk_id, job_id, state, now))
            return ""
        conflict = ""
        others = session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.item_key == key,
                (LedgerEntry.kiosk_id != self.kiosk_id) | (LedgerEntry.job_id != job_id),
            )
        ).all()
        if others and not reprint:
            other = others[-1]
            conflict = (
                f"also printed by {other.kiosk_id or 'a kiosk'} at "
                f"{other.delivered_at:%Y-%m-%d %H:%M:%S} UTC"
            )
        elif (
            claim is not None
            and not ours
            and claim.state in (ClaimState.PRINTING.value, ClaimState.UNKNOWN.value)
        ):
            conflict = f"{claim.kiosk_id} claimed it too ({claim.state})"
        if claim is None:
            session.add(_new_claim(key, self.kiosk_id, job_id, ClaimState.DELIVERED, now))
        elif ours or not conflict or claim.state == ClaimState.RELEASED.value:
            claim.kiosk_id, claim.job_id = self.kiosk_id, job_id
            claim.state, claim.updated_at = ClaimState.DELIVERED.value, now
        session.add(
            LedgerEntry(
                item_key=key,
                kind=kind,
                study_uid=study_uid,
                printer=printer,
                units=units,
                job_id=job_id,
                reprint=reprint,
                kiosk_id=self.kiosk_id,
                delivered_at=now,
            )
        )
        if conflict:
            AuditRepository(session).record(
                self.kiosk_id,
                DOUBLE_PRINT,
                subject=key,
                detail={"job": job_id, "conflict": conflict, "offline": offline},
                copy_to_outbox=False,
            )
        return conflict

    # ------------------------------------------------------------------ journal

    def _journal(
        self,
        key: str,
        kind: str,
        study_uid: str,
        action: str,
        job_id: int | None = None,
        printer: str = "",
        units: int = 0,
        *,
        offline: bool = False,
    ) -> None:
        with self.local.session() as session:
            session.add(
                FleetJournal(
                    item_key=key,
                    kind=kind,
                    study_uid=study_uid,
                    action=action,
                    job_id=job_id,
                    printer=printer,
                    units=units,
                    offline=offline,
                )
            )

    def _unsynced(self) -> bool:
        with self.local.session() as session:
            return (
                session.scalars(
                    select(FleetJournal.id).where(FleetJournal.synced_at.is_(None)).limit(1)
                ).first()
                is not None
            )

    def reconcile(self) -> ReconcileReport:
        """Replay what the journal owes the shared ledger, oldest first; stops at the first
        write it cannot make (the ledger went away again)."""
        with self._replaying:
            return self._replay()

    def _replay(self) -> ReconcileReport:
        with self.local.session() as session:
            rows = [
                (r.id, r.item_key, r.kind, r.study_uid, r.job_id, r.printer, r.units, r.action)
                for r in session.scalars(
                    select(FleetJournal)
                    .where(FleetJournal.synced_at.is_(None))
                    .order_by(FleetJournal.id)
                )
            ]
        synced = doubles = 0
        for row_id, key, kind, study, job_id, printer, units, action in rows:
            offline = self._offline_job(job_id) if job_id is not None else True
            conflict = ""
            try:
                with self._session() as session:
                    if action == "claimed":
                        self._replay_claim(session, key, job_id)
                    else:
                        reprint = self._local_reprint(job_id)
                        conflict = self._apply(
                            session,
                            key,
                            kind,
                            study,
                            job_id,
                            printer,
                            units,
                            ClaimState(action),
                            reprint,
                            offline,
                        )
            except _UnreachableError:
                break
            with self.local.session() as session:
                row = session.get_one(FleetJournal, row_id)
                row.synced_at, row.conflict = self.now(), conflict
            synced += 1
            if conflict:
                doubles += 1
                self._double_print(key, kind, study, job_id, conflict, journalled=True)
        if synced:
            log.info(
                "fleet: %d journalled write(s) reconciled, %d double print(s)",
                synced,
                doubles,
                extra={EVENT_ACTION: "fleet.reconciled"},
            )
        return ReconcileReport(synced, doubles)

    def _local_reprint(self, job_id: int | None) -> bool:
        if job_id is None:
            return False
        with self.local.session() as session:
            job = session.get(PrintJob, job_id)
            return bool(job and job.reprint)

    def _replay_claim(self, session: Session, key: str, job_id: int | None) -> None:
        """A claim taken offline: taken in the shared ledger now if nobody holds it (its
        delivery, replayed next, says whether another kiosk printed it too)."""
        now = self.now()
        claim = session.scalars(
            select(FleetClaim).where(FleetClaim.item_key == key).with_for_update()
        ).first()
        if claim is None:
            claim = _new_claim(key, self.kiosk_id, job_id, ClaimState.PRINTING, now)
            claim.lease_until = now + self.lease
            session.add(claim)
        elif claim.state == ClaimState.RELEASED.value:
            _take(claim, self.kiosk_id, now, self.lease)
            claim.job_id = job_id

    def _double_print(
        self,
        key: str,
        kind: str,
        study_uid: str,
        job_id: int | None,
        conflict: str,
        *,
        journalled: bool = False,
    ) -> None:
        """Tell the centre (outbox event, metric and alert) and the kiosk's own audit log."""
        with self.local.session() as session:
            if not journalled:
                session.add(
                    FleetJournal(
                        item_key=key,
                        kind=kind,
                        study_uid=study_uid,
                        action=ClaimState.DELIVERED.value,
                        job_id=job_id,
                        synced_at=self.now(),
                        conflict=conflict,
                    )
                )
            outbox.enqueue(
                session,
                DOUBLE_PRINT,
                {
                    "kiosk_id": self.kiosk_id,
                    "item": key,
                    "kind": kind,
                    "study_uid": study_uid,
                    "job_id": job_id,
                    "conflict": conflict,
                },
            )
            AuditRepository(session).record(
                "kiosk",
                DOUBLE_PRINT,
                subject=key,
                detail={"job": job_id, "conflict": conflict},
            )
        log.warning(
            "fleet: double print of a %s (job %s): %s",
            kind,
            job_id,
            conflict,
            extra={EVENT_ACTION: DOUBLE_PRINT},
        )

    def double_prints(self) -> int:
        """Double prints this kiosk found (the metric ``kiosk_fleet_double_prints``)."""
        with self.local.session() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(FleetJournal)
                    .where(FleetJournal.conflict != "")
                )
                or 0
            )

    def unsynced(self) -> int:
        with self.local.session() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(FleetJournal)
                    .where(FleetJournal.synced_at.is_(None))
                )
                or 0
            )

    # ------------------------------------------------------------------ nurses

    def claims(self, states: tuple[ClaimState, ...] = (ClaimState.UNKNOWN,)) -> list[ClaimView]:
        """Claims of every kiosk in these states (default: those waiting for a nurse); a
        printing claim whose lease ran out is made unknown first."""
        now = self.now()
        with self._session() as session:
            for claim in session.scalars(
                select(FleetClaim)
                .where(FleetClaim.state == ClaimState.PRINTING.value, FleetClaim.lease_until < now)
                .with_for_update(skip_locked=True)
            ).all():
                self._expire(session, claim, now)
            session.flush()
            rows = session.scalars(
                select(FleetClaim)
                .where(FleetClaim.state.in_([s.value for s in states]))
                .order_by(FleetClaim.updated_at, FleetClaim.id)
            ).all()
            return [
                ClaimView(
                    r.item_key,
                    r.item_key.rpartition("/")[2],
                    r.item_key.rpartition("/")[0],
                    r.kiosk_id,
                    ClaimState(r.state),
                    r.claimed_at,
                    r.lease_until,
                    r.reason,
                    r.job_id,
                )
                for r in rows
            ]

    def settle(self, key: str, staff_id: str, *, printed: bool) -> ClaimView:
        """A nurse (at any kiosk) looked: the item printed (delivered) or did not (released).

        Raises ValueError for a claim that is not unknown.
        """
        now = self.now()
        with self._session() as session:
            claim = session.scalars(
                select(FleetClaim).where(FleetClaim.item_key == key).with_for_update()
            ).first()
            if claim is None or claim.state != ClaimState.UNKNOWN.value:
                state = claim.state if claim else "not claimed"
                raise ValueError(f"{key}: {state}, not waiting for a nurse")
            claim.state = (ClaimState.DELIVERED if printed else ClaimState.RELEASED).value
            claim.settled_by, claim.updated_at = staff_id, now
            if printed:
                session.add(
                    LedgerEntry(
                        item_key=key,
                        kind=key.rpartition("/")[2],
                        study_uid=key.rpartition("/")[0],
                        printer=f"(settled by {staff_id})",
                        units=0,
                        job_id=claim.job_id,
                        kiosk_id=claim.kiosk_id,
                        delivered_at=now,
                    )
                )
            AuditRepository(session).record(
                staff_id,
                "fleet.settled",
                subject=key,
                detail={"kiosk": claim.kiosk_id, "job": claim.job_id, "printed": printed},
                copy_to_outbox=False,
            )
            view = ClaimView(
                key,
                key.rpartition("/")[2],
                key.rpartition("/")[0],
                claim.kiosk_id,
                ClaimState(claim.state),
                claim.claimed_at,
                claim.lease_until,
                claim.reason,
                claim.job_id,
            )
        log.info("fleet: an unknown claim of %s settled by %s", view.kiosk_id, staff_id)
        return view

    def authorise_reprint(self, key: str, staff_id: str, reason: str) -> int:
        """One more print of a delivered item, at any kiosk. Raises ValueError when the
        fleet ledger has no delivery of it."""
        with self._session() as session:
            if _last_delivery(session, key) is None:
                raise ValueError("this item was never delivered: it needs no reprint")
            row = ReprintAuthorisation(
                item_key=key, staff_id=staff_id, reason=reason, kiosk_id=self.kiosk_id
            )
            session.add(row)
            session.flush()
            AuditRepository(session).record(
                staff_id,
                "reprint.authorised",
                subject=key,
                detail={"authorisation": row.id, "kiosk": self.kiosk_id},
                copy_to_outbox=False,
            )
            return row.id


# ---------------------------------------------------------------------------------- helpers


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _insert(session: Session) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING on both."""
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


def _new_claim(
    key: str, kiosk_id: str, job_id: int | None, state: ClaimState, now: datetime
) -> FleetClaim:
    return FleetClaim(
        item_key=key,
        kiosk_id=kiosk_id,
        job_id=job_id,
        state=state.value,
        lease_until=now,
        claimed_at=now,
        updated_at=now,
    )


def _take(claim: FleetClaim, kiosk_id: str, now: datetime, lease: timedelta) -> None:
    claim.kiosk_id, claim.job_id, claim.state = kiosk_id, None, ClaimState.PRINTING.value
    claim.lease_until, claim.claimed_at, claim.updated_at = now + lease, now, now
    claim.settled_by, claim.reason = "", ""


def _mine(session: Session, key: str, kiosk_id: str) -> FleetClaim | None:
    return session.scalars(
        select(FleetClaim)
        .where(FleetClaim.item_key == key, FleetClaim.kiosk_id == kiosk_id)
        .with_for_update()
    ).first()


def _last_delivery(session: Session, key: str) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.item_key == key)
        .order_by(LedgerEntry.delivered_at.desc(), LedgerEntry.id.desc())
        .limit(1)
    ).first()


def _pending_authorisation(
    session: Session, key: str, *, lock: bool = False
) -> ReprintAuthorisation | None:
    query = (
        select(ReprintAuthorisation)
        .where(ReprintAuthorisation.item_key == key, ReprintAuthorisation.used_at.is_(None))
        .order_by(ReprintAuthorisation.id)
        .limit(1)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()
