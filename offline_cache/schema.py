"""The tables of the blob index and the outbox (SQLAlchemy Core, so any engine can hold them).

The kiosk's Alembic revision ``0002_cloud`` creates the same tables in its database, so the
outbox shares transactions with the state changes it reports. :func:`create_all` is for a
standalone database (tests, tools).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

cache_blobs = Table(
    "cache_blobs",
    metadata,
    Column("address", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("stored_at", DateTime, nullable=False),
    Column("last_used", DateTime, nullable=False, index=True),
)

cache_entries = Table(
    "cache_entries",
    metadata,
    # A keyed hash of the logical name, so the index holds no patient identifiers either.
    Column("name", String(64), primary_key=True),
    Column("address", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("stored_at", DateTime, nullable=False, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claimed_until", DateTime, nullable=True),
    Column("claimed_by", String(32), nullable=True),
    Column("sent_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)


def create_all(engine: Engine) -> None:
    metadata.create_all(engine)
