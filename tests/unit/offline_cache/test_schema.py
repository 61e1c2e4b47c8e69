"""The kiosk's migration 0002_cloud creates exactly the tables offline_cache works with."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kiosk_app.store import Store
from offline_cache.schema import create_all


def shape(engine: sa.Engine, table: str) -> dict[str, object]:
    inspector = sa.inspect(engine)
    return {
        "columns": {
            (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
        },
        "pk": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
        "unique": {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        | {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]},
        "indexes": {tuple(i["column_names"]) for i in inspector.get_indexes(table)},
    }


def test_migration_matches_offline_cache_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "kiosk.db")
    assert "0002_cloud" in store.revisions()
    plain = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    create_all(plain)
    for table in ("cache_blobs", "cache_entries", "outbox"):
        assert shape(store.engine, table) == shape(plain, table), table
    store.close()
