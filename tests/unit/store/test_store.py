from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kiosk_app.core.errors import StorageFullError
from kiosk_app.core.models import JobState
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, JobRepository, LedgerRepository


def test_new_database_is_migrated_to_head_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    from alembic.script import ScriptDirectory

    from kiosk_app.store.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    assert store.revisions() == set(scripts.get_heads())
    store.close()
    con = sqlite3.connect(tmp_path / "k.db")
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"print_jobs", "print_units", "ledger", "audit_log"} <= tables


def test_reopening_keeps_rows_and_does_not_migrate_again(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    with store.session() as s:
        job = JobRepository(s).create(
            kind="film",
            study_uid="1.2.3",
            accession="A1",
            patient_id="P1",
            printer="KioskFilm",
            units_total=3,
        )
        assert [u.index for u in job.units] == [0, 1, 2]
    store.close()
    again = Store.open(tmp_path / "k.db")
    with again.session() as s:
        jobs = JobRepository(s).open_jobs()
        assert len(jobs) == 1 and jobs[0].state == JobState.QUEUED.value
        assert len(jobs[0].units) == 3


def test_a_failed_unit_of_work_leaves_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    try:
        with store.session() as s:
            AuditRepository(s).record("nurse:1", "reprint.authorised", "study 1.2.3")
            raise RuntimeError("power cut")
    except RuntimeError:
        pass
    with store.session() as s:
        assert AuditRepository(s).recent() == []


def test_ledger_records_the_delivery_of_a_completed_job(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    with store.session() as s:
        jobs = JobRepository(s)
        job = jobs.create(
            kind="report",
            study_uid="1.2.3",
            accession="A1",
            patient_id="P1",
            printer="KioskPDF",
            units_total=2,
        )
        jobs.set_state(job, JobState.COMPLETED)
        jobs.confirm_all_units(job)
        LedgerRepository(s).record_delivery(job)
    with store.session() as s:
        entry = LedgerRepository(s).last_delivery("1.2.3/report")
        assert entry is not None
        assert (entry.printer, entry.units, entry.patient_id) == ("KioskPDF", 2, "P1")
        assert LedgerRepository(s).last_delivery("1.2.3/film") is None


def test_an_older_database_is_upgraded_to_every_branch(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two areas each add a revision on top of 0001: opening migrates both branches."""
    import shutil

    from kiosk_app.store import db as db_mod

    Store.open(tmp_path / "k.db").close()  # a kiosk at the current schema
    scripts = tmp_path / "migrations"
    shutil.copytree(db_mod.MIGRATIONS, scripts)
    for name in ("printing", "cloud"):
        (scripts / "versions" / f"9{name}.py").write_text(
            f'''"""test branch {name}"""
from alembic import op
import sqlalchemy as sa

revision = "9{name}"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("t_{name}", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("t_{name}")
''',
            encoding="utf-8",
        )
    monkeypatch.setattr(db_mod, "MIGRATIONS", scripts)
    store = Store.open(tmp_path / "k.db")
    assert {"9printing", "9cloud"} <= store.revisions()
    con = sqlite3.connect(tmp_path / "k.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"t_printing", "t_cloud", "print_jobs"} <= tables


@pytest.mark.allow_error_logs
def test_a_full_database_disk_is_a_storage_full_error_and_keeps_what_was_written(
    tmp_path: Path,
) -> None:
    """Found by the soak (a data disk that fills up): SQLite's "database or disk is full" was
    an internal error (``kiosk: internal error (OperationalError)``), not a clean refusal."""
    store = Store.open(tmp_path / "k.db")

    def create(s: Any, n: int) -> None:
        JobRepository(s).create(
            kind="film", study_uid=f"1.2.{n}", accession=f"A{n}", patient_id="P1",
            printer="KioskFilm", units_total=50,
        )  # fmt: skip

    with store.session() as s:
        create(s, 0)
    pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
    # SQLite's own full disk: no page beyond those it has (what a full filesystem gives it)
    event.listen(store.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count={pages}"))
    store.engine.dispose()
    with pytest.raises(StorageFullError) as raised:
        for n in range(1, 200):
            with store.session() as s:
                create(s, n)
    assert raised.value.message_id == "storage.full" and raised.value.exit_code == 7
    store.close()
    con = sqlite3.connect(tmp_path / "k.db")
    (count,) = con.execute("SELECT count(*) FROM print_jobs").fetchone()
    assert count >= 1  # what was committed before is still there, nothing half-written
    units = con.execute("SELECT job_id, count(*) FROM print_units GROUP BY job_id").fetchall()
    assert all(n == 50 for _, n in units) and len(units) == count
