"""The database: one SQLite file in WAL mode, migrated to the newest schema when opened."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk_app.core.errors import StorageFullError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed "delivered" survives a power cut, which is the point of the ledger.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # What is deleted or overwritten is zeroed in the file, not left in free space: a
    # PatientID replaced by its ref after retention (store.retention) is gone from the disk.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


#: Less free space than this where the database lives: SQLite's "disk I/O error" (it could not
#: create its -wal or -shm file) means the disk is full.
_NEARLY_FULL = 1 << 20


@contextmanager
def _disk_full_is_said(path: Path) -> Iterator[None]:
    """SQLite failing for want of room raises :class:`StorageFullError`, not an internal error."""
    try:
        yield
    except OperationalError as exc:
        full = "database or disk is full" in str(exc.orig)
        if not full:
            try:
                full = shutil.disk_usage(path.parent).free < _NEARLY_FULL
            except OSError:
                full = False
        if full:
            log.error("the data disk is full: %s cannot be written (%s)", path, exc.orig)
            raise StorageFullError() from exc
        raise


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class Store:
    """Owns the engine; hands out sessions as units of work."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine: Engine = create_engine(f"sqlite:///{path}")
        event.listen(self.engine, "connect", _on_connect)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and upgrade to the newest schema."""
        store = cls(path)
        store.migrate()
        return store

    def migrate(self) -> None:
        """Upgrade to every head: each area (printing, cloud...) may own a branch of revisions."""
        cfg = alembic_config()
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        with _disk_full_is_said(self.path), self.engine.begin() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
            if current == heads:
                return
            log.info(
                "upgrading database %s from %s to %s", self.path, sorted(current), sorted(heads)
            )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def revisions(self) -> set[str]:
        """The revisions the database is at (one per branch)."""
        with self.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with _disk_full_is_said(self.path), self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
