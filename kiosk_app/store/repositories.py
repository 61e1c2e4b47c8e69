"""Queries and writes on the schema, so services never spell SQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kiosk_app.core.models import JobState
from kiosk_app.store.tables import (
    AuditEntry,
    AuditHead,
    Consumable,
    LedgerEntry,
    PrintJob,
    PrintUnit,
    ReprintAuthorisation,
    utcnow,
)


def item_key(study_uid: str, kind: str) -> str:
    """The identity of one printable item: a study's report, or a study's films."""
    return f"{study_uid}/{kind}"


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        *,
        kind: str,
        study_uid: str,
        accession: str,
        patient_id: str,
        printer: str,
        units_total: int,
        media: str = "",
    ) -> PrintJob:
        """A QUEUED job with one pending unit per page or sheet, before anything is sent."""
        job = PrintJob(
            item_key=item_key(study_uid, kind),
            kind=kind,
            study_uid=study_uid,
            accession=accession,
            patient_id=patient_id,
            printer=printer,
            state=JobState.QUEUED.value,
            reason="",
            units_total=units_total,
            media=media,
            units=[PrintUnit(index=i) for i in range(units_total)],
        )
        self.session.add(job)
        self.session.flush()
        return job

    def find(self, job_id: int) -> PrintJob | None:
        """The job, or None when there is no such job."""
        return self.session.get(PrintJob, job_id)

    def get(self, job_id: int) -> PrintJob:
        return self.session.get_one(PrintJob, job_id)

    def set_state(self, job: PrintJob, state: JobState, reason: str = "") -> None:
        job.state = state.value
        job.reason = reason
        job.updated_at = utcnow()

    def confirm_all_units(self, job: PrintJob) -> None:
        now = utcnow()
        for unit in job.units:
            if unit.state != "confirmed":
                unit.state, unit.confirmed_at = "confirmed", now

    def open_jobs(self) -> Sequence[PrintJob]:
        open_states = [s.value for s in JobState if s.open]
        return self.session.scalars(
            select(PrintJob).where(PrintJob.state.in_(open_states)).order_by(PrintJob.id)
        ).all()

    def in_states(self, states: Sequence[JobState]) -> Sequence[PrintJob]:
        return self.session.scalars(
            select(PrintJob)
            .where(PrintJob.state.in_([s.value for s in states]))
            .order_by(PrintJob.id)
        ).all()

    def item_keys_in_state(self, state: JobState) -> Sequence[str]:
        return self.session.scalars(
            select(PrintJob.item_key).where(PrintJob.state == state.value).distinct()
        ).all()

    def count_by_state(self) -> dict[str, int]:
        rows = self.session.execute(
            select(PrintJob.state, func.count()).group_by(PrintJob.state)
        ).all()
        return {state: count for state, count in rows}


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_delivery(self, key: str) -> LedgerEntry | None:
        return self.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.item_key == key)
            .order_by(LedgerEntry.delivered_at.desc(), LedgerEntry.id.desc())
            .limit(1)
        ).first()

    def record_delivery(self, job: PrintJob, *, reprint: bool = False) -> LedgerEntry:
        entry = LedgerEntry(
            item_key=job.item_key,
            kind=job.kind,
            study_uid=job.study_uid,
            accession=job.accession,
            patient_id=job.patient_id,
            printer=job.printer,
            units=job.units_total,
            job_id=job.id,
            reprint=reprint or job.reprint,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def all(self) -> Sequence[LedgerEntry]:
        return self.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()


class AuditRepository:
    """The audit log, only ever appended (see :mod:`kiosk_app.store.audit`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        actor: str,
        action: str,
        subject: str = "",
        detail: Mapping[str, object] | None = None,
        *,
        copy_to_outbox: bool = True,
    ) -> AuditEntry:
        """Append one row, chained to the last, and its copy to the outbox (same transaction).

        ``copy_to_outbox`` False: the fleet's shared ledger, which is itself the copy the
        centre reads (it has no outbox sender).

        The chain head is written first: that takes SQLite's write lock, so the head read next
        is the latest one even with another thread or process appending at the same time.
        """
        from kiosk_app.services import events
        from kiosk_app.store import audit

        bump = (
            update(AuditHead)
            .where(AuditHead.id == audit.HEAD_ID)
            .values(count=AuditHead.count + 1)
            .execution_options(synchronize_session=False)
        )
        if self.session.execute(bump).rowcount != 1:  # type: ignore[attr-defined]
            self.session.execute(
                insert(AuditHead).values(id=audit.HEAD_ID, count=1, last_id=0, last_hash="")
            )
        head = self.session.execute(
            select(AuditHead.last_hash).where(AuditHead.id == audit.HEAD_ID)
        ).scalar_one()
        last_id = self.session.execute(select(func.max(AuditEntry.id))).scalar_one() or 0
        entry = AuditEntry(
            id=last_id + 1,
            at=utcnow(),
            actor=actor,
            action=action,
            subject=subject,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
            prev_hash=head or audit.GENESIS,
        )
        entry.hash = audit.entry_hash(entry)
        self.session.add(entry)
        self.session.flush()
        self.session.execute(
            update(AuditHead)
            .where(AuditHead.id == audit.HEAD_ID)
            .values(last_id=entry.id, last_hash=entry.hash)
            .execution_options(synchronize_session=False)
        )
        if copy_to_outbox:
            events.audit_recorded(self.session, audit.to_json(entry))
        return entry

    def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        return self.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        ).all()


class ConsumableRepository:
    """Film or paper loaded per printer and size."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, printer: str, media: str) -> Consumable | None:
        return self.session.scalars(
            select(Consumable).where(Consumable.printer == printer, Consumable.media == media)
        ).first()

    def set_loaded(self, printer: str, media: str, count: int, staff_id: str) -> Consumable:
        """A nurse loaded a box: ``count`` sheets are there now (whatever was left before)."""
        row = self.get(printer, media)
        if row is None:
            row = Consumable(printer=printer, media=media)
            self.session.add(row)
        row.remaining = row.loaded = count
        row.updated_by = staff_id
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def use(self, printer: str, media: str, count: int) -> Consumable | None:
        """``count`` sheets were confirmed printed; None when this size is not counted."""
        row = self.get(printer, media)
        if row is not None:
            row.remaining = max(0, row.remaining - count)
            row.updated_at = utcnow()
        return row

    def all(self) -> Sequence[Consumable]:
        return self.session.scalars(
            select(Consumable).order_by(Consumable.printer, Consumable.media)
        ).all()


class ReprintRepository:
    """Reprint authorisations: one each, used by the next job of the item."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def authorise(self, key: str, staff_id: str, reason: str) -> ReprintAuthorisation:
        row = ReprintAuthorisation(item_key=key, staff_id=staff_id, reason=reason)
        self.session.add(row)
        self.session.flush()
        return row

    def pending(self, key: str) -> ReprintAuthorisation | None:
        """The oldest authorisation of this item no job has used yet."""
        return self.session.scalars(
            select(ReprintAuthorisation)
            .where(ReprintAuthorisation.item_key == key, ReprintAuthorisation.job_id.is_(None))
            .order_by(ReprintAuthorisation.id)
            .limit(1)
        ).first()

    def use(self, authorisation: ReprintAuthorisation, job: PrintJob) -> None:
        authorisation.job_id = job.id
        authorisation.used_at = utcnow()
