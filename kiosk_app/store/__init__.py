"""Durable local state in SQLite (WAL) through SQLAlchemy, schema by Alembic migrations."""

from kiosk_app.store.db import Store

__all__ = ["Store"]
