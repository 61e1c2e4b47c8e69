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


class AuditEntry(Base):
    """Something a person or the kiosk did that staff may need to account for."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
