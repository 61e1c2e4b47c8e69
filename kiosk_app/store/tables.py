"""The schema. Changing it means a new Alembic revision under ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class PrintJob(Base):
    """One item (a study's report or its films) sent to one printer once."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    study_uid: Mapped[str] = mapped_column(String(64))
    accession: Mapped[str] = mapped_column(String(64), default="")
    patient_id: Mapped[str] = mapped_column(String(64), default="")
    printer: Mapped[str] = mapped_column(String(200))
    printer_job_id: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    units_total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    media: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """Film Size ID of a film job (the consumable it uses); the paper size of a report."""
    attention: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Why a nurse must act before this job goes on; empty when it may proceed by itself."""
    reprint: Mapped[bool] = mapped_column(default=False, server_default="0")
    """Printed again on a nurse's authorisation."""
    redacted_at: Mapped[datetime | None] = mapped_column(default=None)
    """When ``patient_id`` and ``accession`` were replaced by refs (``store.retention``): the
    job had ended and was older than ``[policy] retention_days``. None: still plaintext."""

    units: Mapped[list[PrintUnit]] = relationship(
        back_populates="job", order_by="PrintUnit.index", cascade="all, delete-orphan"
    )


class PrintUnit(Base):
    """One page of a report or one sheet of a film, with its own progress."""

    __tablename__ = "print_units"
    __table_args__ = (UniqueConstraint("job_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="pending")
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    printer_job_id: Mapped[str | None] = mapped_column(String(200), default=None)
    """The printer's job (CUPS job id, DICOM film box / print job) that carries this unit."""
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    """How many times this unit was handed to the printer (more than 1 only by a nurse)."""
    digest: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """What this unit holds (see ``printing.unit_digest``): a sheet recomposed after a restart
    is sent only if it matches."""

    job: Mapped[PrintJob] = relationship(back_populates="units")


class LedgerEntry(Base):
    """A delivery the printer confirmed: what, to whom, when, on which printer."""

    __tablename__ = "ledger"
    __table_args__ = (Index("ix_ledger_item_key", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    study_uid: Mapped[str] = mapped_column(String(64))
    accession: Mapped[str] = mapped_column(String(64), default="")
    patient_id: Mapped[str] = mapped_column(String(64), default="")
    printer: Mapped[str] = mapped_column(String(200))
    units: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"), default=None)
    reprint: Mapped[bool] = mapped_column(default=False)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)
    redacted_at: Mapped[datetime | None] = mapped_column(default=None)
    """When ``patient_id`` and ``accession`` were replaced by refs (``store.retention``)."""
    kiosk_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The kiosk that printed it (the fleet's shared ledger; empty in a kiosk's own)."""


class AuditEntry(Base):
    """Something a person or the kiosk did that staff may need to account for."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The previous row's ``hash`` (:data:`kiosk_app.store.audit.GENESIS` for the first row)."""
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """SHA-256 over this row's canonical content and ``prev_hash`` (see ``store.audit``)."""


class AuditHead(Base):
    """The chain's end, one row: how many audit rows there are, the last one's id and hash.

    Kept beside the rows so that deleting the newest rows (which leaves a shorter chain that
    is itself intact) is detected too; the centre's copy through the outbox is the second
    witness. A trigger refuses deleting it or moving it backwards.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


class Consumable(Base):
    """Film (or paper) loaded in one printer, per size: set by a nurse, counted down per sheet."""

    __tablename__ = "consumables"
    __table_args__ = (UniqueConstraint("printer", "media"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    printer: Mapped[str] = mapped_column(String(200))
    media: Mapped[str] = mapped_column(String(32))
    remaining: Mapped[int] = mapped_column(default=0)
    loaded: Mapped[int] = mapped_column(default=0)
    """How many the nurse said she loaded last time."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class ReprintAuthorisation(Base):
    """A nurse allowed one more print of an item already delivered; used by at most one job."""

    __tablename__ = "reprint_authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200), index=True)
    staff_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    authorised_at: Mapped[datetime] = mapped_column(default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"), default=None)
    """The job that used it; None while it waits to be used."""
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    kiosk_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The kiosk whose nurse authorised it (the fleet's shared ledger)."""


class FleetClaim(Base):
    """One item claimed by one kiosk before its first byte is sent (the fleet's shared ledger).

    One row per item: a second kiosk's claim meets the unique constraint. ``state`` is a
    :class:`kiosk_app.services.fleet.ClaimState`; ``lease_until`` how long a ``printing`` claim
    holds without its kiosk renewing it. An expired lease is never taken over: it becomes
    ``unknown`` for a nurse.
    """

    __tablename__ = "fleet_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(100))
    job_id: Mapped[int | None] = mapped_column(default=None)
    """The job in the claiming kiosk's own database."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    lease_until: Mapped[datetime] = mapped_column()
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    settled_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The staff id of the nurse who settled an unknown claim."""
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class FleetJournal(Base):
    """A fleet write this kiosk owes the shared ledger (kept locally, replayed on reconnect).

    ``action``: ``claimed`` (printing began while the shared ledger was unreachable),
    ``delivered``, ``released``, ``unknown``. ``synced_at`` None: not in the shared ledger yet.
    ``conflict``: what the replay found (another kiosk printed it too), never silently dropped.
    """

    __tablename__ = "fleet_journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    study_uid: Mapped[str] = mapped_column(String(64))
    printer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    units: Mapped[int] = mapped_column(default=0, server_default="0")
    job_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(16))
    offline: Mapped[bool] = mapped_column(default=False, server_default="0")
    """Printing of this item began while the shared ledger was unreachable."""
    at: Mapped[datetime] = mapped_column(default=utcnow)
    synced_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    conflict: Mapped[str] = mapped_column(Text, default="", server_default="")
