"""Retention of patient data at rest: plaintext identifiers only while an item can still print.

A print job and a ledger delivery record the PatientID and accession number of the item. They
are needed while the item can still print (a paused or unknown job is resumed by
recomposing its content from the study, found again by them) and for a while after, to answer
a patient's or the billing office's question about a print. After ``[policy] retention_days``
they are not: print-once goes by the item key (study UID and kind), which stays. So a
nightly pass replaces both, on rows whose job has ended (completed, failed, canceled) and
that are older than the retention, by **refs**: a keyed hash, HMAC-SHA256 under a per-kiosk
key (``<data_dir>/patient-ref.key``, 0600), so the same patient still gives the same ref
(distinct patients per day still count) but the ref cannot be reversed by hashing every
possible ID number without the key. ``redacted_at`` marks the rows done.

Open jobs (queued, submitted, paused) and jobs whose outcome is unknown are never touched, at
any age: a nurse may still resume them. Deliveries are redacted by their own date; the job of
a delivery has completed by construction.

The audit log is not rewritten: it is hash-chained and append-only (``store.audit``), and it
never holds a PatientID or an accession number in the first place (its rows name jobs,
printers, item keys and staff). Its writers keep it so (tests/unit/store/test_retention.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from kiosk_app.core.models import JobState
from kiosk_app.store.db import Store
from kiosk_app.store.tables import LedgerEntry, PrintJob, utcnow

log = logging.getLogger(__name__)

REF_PREFIX = "ref:"
"""Marks a stored value that is a ref, not a PatientID or accession number."""
#: the jobs that can no longer print (an unknown one can: a nurse may resume it)
ENDED = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELED)


def stored_ref(key: bytes, value: str) -> str:
    """``value`` (a PatientID or accession number) as a ref: ``ref:`` and 32 hex digits of
    HMAC-SHA256 under ``key``; empty stays empty."""
    if not value:
        return ""
    digest = hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return REF_PREFIX + digest[:32]


def cutoff(now: datetime, retention: timedelta) -> datetime:
    """The start (UTC) of the day ``retention`` before ``now``: rows before it are due. A
    whole day at once, so one patient's prints of one day are all refs or all plaintext."""
    return datetime.combine((now - retention).date(), time())


@dataclass(frozen=True)
class RetentionReport:
    """What one pass did (or, dry, would do)."""

    before: datetime
    jobs: int
    deliveries: int
    applied: bool

    def to_json(self) -> dict[str, object]:
        return {
            "before": self.before.isoformat(),
            "jobs": self.jobs,
            "deliveries": self.deliveries,
            "applied": self.applied,
        }


def enforce(
    session: Session,
    key: bytes,
    retention: timedelta,
    *,
    now: datetime | None = None,
    apply: bool = True,
) -> RetentionReport:
    """Replace the PatientIDs and accession numbers due by refs (count them only, unless
    ``apply``). Idempotent: rows already redacted are left alone."""
    before = cutoff(now or utcnow(), retention)
    ended = [s.value for s in ENDED]
    jobs = session.execute(
        select(PrintJob.id, PrintJob.patient_id, PrintJob.accession).where(
            PrintJob.redacted_at.is_(None),
            PrintJob.state.in_(ended),
            PrintJob.updated_at < before,
        )
    ).all()
    deliveries = session.execute(
        select(LedgerEntry.id, LedgerEntry.patient_id, LedgerEntry.accession)
        .outerjoin(PrintJob, LedgerEntry.job_id == PrintJob.id)
        .where(
            LedgerEntry.redacted_at.is_(None),
            LedgerEntry.delivered_at < before,
            or_(LedgerEntry.job_id.is_(None), PrintJob.state.in_(ended)),
        )
    ).all()
    if apply:
        stamp = utcnow()
        for table, rows in (
            (cast(Table, PrintJob.__table__), jobs),
            (cast(Table, LedgerEntry.__table__), deliveries),
        ):
            if not rows:
                continue
            values: dict[str, Any] = {
                "patient_id": bindparam("new_patient_id"),
                "accession": bindparam("new_accession"),
                "redacted_at": bindparam("new_redacted_at"),
            }
            if "updated_at" in table.c:  # the job's own time stays what it was
                values["updated_at"] = table.c.updated_at
            statement = update(table).where(table.c.id == bindparam("row_id")).values(values)
            session.execute(
                statement,
                [
                    {
                        "row_id": row_id,
                        "new_patient_id": stored_ref(key, patient_id),
                        "new_accession": stored_ref(key, accession),
                        "new_redacted_at": stamp,
                    }
                    for row_id, patient_id, accession in rows
                ],
            )
    report = RetentionReport(before, len(jobs), len(deliveries), apply)
    if jobs or deliveries:
        log.info(
            "retention: %s %d job(s) and %d delivery(ies) from before %s",
            "redacted" if apply else "would redact",
            len(jobs),
            len(deliveries),
            before.date().isoformat(),
        )
    return report


def run(
    store: Store,
    key: bytes,
    retention: timedelta,
    *,
    apply: bool = True,
    now: datetime | None = None,
) -> RetentionReport:
    """One pass in its own transaction; a pass that redacted anything is audited
    (``retention.redacted``, with the counts and the day before which rows were due)."""
    from kiosk_app.store.repositories import AuditRepository

    with store.session() as session:
        report = enforce(session, key, retention, now=now, apply=apply)
        if apply and (report.jobs or report.deliveries):
            AuditRepository(session).record(
                "kiosk", "retention.redacted", subject="print_jobs ledger", detail=report.to_json()
            )
    if apply and (report.jobs or report.deliveries):
        _checkpoint(store)
    return report


def _checkpoint(store: Store) -> None:
    """Move the WAL into the database file and empty it: the WAL still holds the pages as
    they were before the pass (plaintext) until then. Best effort: a reader in the middle of
    a transaction keeps it from finishing, and the next pass tries again."""
    with store.engine.connect() as con:
        busy, _log, _done = con.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.info("retention: the WAL could not be emptied now (a reader is busy)")
