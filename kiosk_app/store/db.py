"""The database: one SQLite file in WAL mode, migrated to the newest schema when opened.

The same schema, repositories and migrations serve the fleet's shared ledger on PostgreSQL
(:meth:`Store.open_url`, ``[fleet] database``); a kiosk's own database stays SQLite.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk_app.core.errors import StorageFullError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
#: Alembic's environment (``alembic.context``) is one per process: two stores migrating at once
#: in two threads (the kiosk's own and the fleet's, or a probe and a visit) would mix them.
_MIGRATING = threading.Lock()
MIGRATION_LOCK = 0x6B696F736B  # "kiosk": the advisory lock held while upgrading a shared ledger


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
def _disk_full_is_said(path: Path | None) -> Iterator[None]:
    """SQLite failing for want of room raises :class:`StorageFullError`, not an internal error.
    A server database (``path`` None: the fleet's PostgreSQL) is left alone: its errors are
    the fleet's offline rule to handle."""
    try:
        yield
    except OperationalError as exc:
        if path is None:
            raise
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

    def __init__(self, path: Path | None = None, *, engine: Engine | None = None) -> None:
        if engine is None:
            assert path is not None
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(f"sqlite:///{path}")
            event.listen(engine, "connect", _on_connect)
        self.path = path
        self.engine: Engine = engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and upgrade to the newest schema."""
        store = cls(path)
        store.migrate()
        return store

    @classmethod
    def for_url(
        cls, url: str, *, connect_timeout: float = 3.0, role: str = "", statement_timeout: float = 0
    ) -> Store:
        """A store on a server database (the fleet's PostgreSQL), not yet connected.

        ``role``: ``SET ROLE`` at every connection (a kiosk's login role is a member of the
        fleet's group role, which owns the schema). ``statement_timeout``: seconds, 0 none.
        """
        options = []
        if role:
            options.append(f"-c role={role}")
        if statement_timeout:
            options.append(f"-c statement_timeout={int(statement_timeout * 1000)}")
        connect_args: dict[str, Any] = {"connect_timeout": max(1, round(connect_timeout))}
        if options:
            connect_args["options"] = " ".join(options)
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=2, max_overflow=2, connect_args=connect_args
        )
        return cls(engine=engine)

    @property
    def where(self) -> str:
        """The database, for log lines: a file, or a server URL without its password."""
        return str(self.path) if self.path else self.engine.url.render_as_string()

    def migrate(self) -> None:
        """Upgrade to every head: each area (printing, cloud...) may own a branch of revisions."""
        cfg = alembic_config()
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        with _MIGRATING, _disk_full_is_said(self.path), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Kiosks starting together upgrade the shared ledger one at a time (the DDL
                # is transactional there: the next one finds it done).
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            current = set(MigrationContext.configure(conn).get_current_heads())
            if current == heads:
                return
            log.info(
                "upgrading database %s from %s to %s", self.where, sorted(current), sorted(heads)
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
