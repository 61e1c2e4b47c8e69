"""Fixtures for the fleet's shared ledger on a real PostgreSQL (``scripts/services.sh``).

A pytest plugin, loaded by ``tests/conftest.py``.

* ``postgres_server`` (session): the PostgreSQL that ``services.sh start`` (or ``ONLY=postgres``)
  wrote into ``$KIOSK_SERVICES_ENV`` (default ``/tmp/kiosk-services/env.sh``); skips the test
  when the file or its ``KIOSK_PG_*`` lines are missing (fails instead when
  ``KIOSK_REQUIRE_SERVICES=1``).
* ``fleet_db``: a database of its own for the test (made by the superuser, owned by the
  ``kiosk_fleet`` group role, dropped afterwards), with the URL each kiosk role logs in with.
* ``private_postgres``: a PostgreSQL of the test's own (``ONLY=postgres`` under the test's
  folder, on a free port) that the test may stop and start again, e.g. mid-visit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.services import DEFAULT_ENV_FILE, parse_env_file

REPO = Path(__file__).resolve().parents[2]


@dataclass
class PostgresServer:
    """One PostgreSQL cluster as services.sh describes it in its env file."""

    host: str
    port: int
    ca_file: Path
    admin_user: str
    admin_password: str
    kiosks: int
    run: Path

    def url(self, database: str, role: str | None = None, *, verify: bool = True) -> str:
        """A SQLAlchemy URL for ``database`` as ``role`` (a kiosk login role: ``kiosk_01``..;
        None: the superuser), over TLS verified against the server's certificate."""
        user, password = (
            (role, f"{role}-secret") if role else (self.admin_user, self.admin_password)
        )
        query = f"?sslmode=verify-full&sslrootcert={self.ca_file}" if verify else ""
        return f"postgresql+psycopg://{user}:{password}@{self.host}:{self.port}/{database}{query}"

    def admin(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement as the superuser (autocommit); its rows, if any."""
        import psycopg

        dsn = (
            f"host={self.host} port={self.port} dbname={database} user={self.admin_user} "
            f"password={self.admin_password} sslmode=verify-full sslrootcert={self.ca_file}"
        )
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []


def _from_env_file(path: Path) -> PostgresServer | None:
    if not path.is_file():
        return None
    env = parse_env_file(path.read_text())
    if "KIOSK_PG_PORT" not in env:
        return None
    return PostgresServer(
        host=env["KIOSK_PG_HOST"],
        port=int(env["KIOSK_PG_PORT"]),
        ca_file=Path(env["KIOSK_PG_CA"]),
        admin_user=env["KIOSK_PG_ADMIN_USER"],
        admin_password=env["KIOSK_PG_ADMIN_PASSWORD"],
        kiosks=int(env.get("KIOSK_PG_KIOSKS", "10")),
        run=Path(env.get("KIOSK_PG_RUN", str(path.parent))),
    )


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    path = Path(os.environ.get("KIOSK_SERVICES_ENV", DEFAULT_ENV_FILE))
    server = _from_env_file(path)
    if server is None:
        why = (
            f"no PostgreSQL in {path} (KIOSK_PG_PORT): bash scripts/services.sh start "
            "(or ONLY=postgres for PostgreSQL alone)"
        )
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"real services required but {why}")
        pytest.skip(why)
    try:
        server.admin("SELECT 1")
    except Exception as exc:
        pytest.fail(f"PostgreSQL on {server.host}:{server.port} does not answer ({exc})")
    return server


@dataclass
class FleetDatabase:
    """A fresh database for one test on a PostgreSQL server."""

    server: PostgresServer
    name: str

    def url(self, kiosk: int = 1) -> str:
        """The URL kiosk number ``kiosk`` logs in with (its own role, ``kiosk_NN``)."""
        return self.server.url(self.name, f"kiosk_{kiosk:02d}")

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return self.server.admin(sql, self.name)


def _create_database(server: PostgresServer) -> FleetDatabase:
    name = f"fleet_t_{uuid.uuid4().hex[:12]}"
    server.admin(f"CREATE DATABASE {name} OWNER kiosk_fleet")
    server.admin("REVOKE ALL ON SCHEMA public FROM PUBLIC", name)
    server.admin("ALTER SCHEMA public OWNER TO kiosk_fleet", name)
    return FleetDatabase(server, name)


@pytest.fixture
def fleet_db(postgres_server: PostgresServer) -> Iterator[FleetDatabase]:
    database = _create_database(postgres_server)
    yield database
    postgres_server.admin(f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL of one test's own, which it may stop and start again (data kept)."""

    def __init__(self, run: Path) -> None:
        self.run = run
        self.port = _free_port()
        self.server: PostgresServer | None = None

    def _services(self, command: str, keep: bool) -> None:
        env = {
            **os.environ,
            "ONLY": "postgres",
            "RUN": str(self.run),
            "PG_PORT": str(self.port),
            "PG_KIOSKS": "4",
            "KEEP_DATA": "1" if keep else "0",
        }
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "services.sh"), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            pytest.fail(f"services.sh {command} (ONLY=postgres): {done.stderr or done.stdout}")

    def start(self, *, keep: bool = False) -> PostgresServer:
        self._services("start", keep)
        server = _from_env_file(self.run / "env.sh")
        assert server is not None, "services.sh wrote no KIOSK_PG_* lines"
        self.server = server
        return server

    def stop(self) -> None:
        self._services("stop", True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if os.geteuid() != 0:
        pytest.skip("a private PostgreSQL needs root (services.sh runs it as the postgres user)")
    if not Path("/usr/lib/postgresql/15/bin/pg_ctl").exists():
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL 15 is not installed: bash scripts/setup.sh")
        pytest.skip("PostgreSQL 15 is not installed: bash scripts/setup.sh")
    # Under /tmp itself: pytest's own folders are 0700, and the postgres user must reach it
    run = Path(tempfile.mkdtemp(prefix="kiosk-private-pg-", dir="/tmp"))
    os.chmod(run, 0o755)
    pg = PrivatePostgres(run)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(run, ignore_errors=True)
