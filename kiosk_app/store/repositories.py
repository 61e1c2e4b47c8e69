"""Queries and writes on the schema, so services never spell SQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_app.core.models import JobState
from kiosk_app.store.tables import AuditEntry, LedgerEntry, PrintJob, PrintUnit, utcnow


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
            units=[PrintUnit(index=i) for i in range(units_total)],
        )
        self.session.add(job)
        self.session.flush()
        return job

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
            reprint=reprint,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def all(self) -> Sequence[LedgerEntry]:
        return self.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        actor: str,
        action: str,
        subject: str = "",
        detail: Mapping[str, object] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor=actor,
            action=action,
            subject=subject,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        return self.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        ).all()
