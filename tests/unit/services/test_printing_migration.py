"""Revision 0002_printing upgrades a database of revision 0001 and keeps its print jobs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from kiosk_app.store import Store
from kiosk_app.store.db import alembic_config
from kiosk_app.store.repositories import JobRepository


def test_jobs_recorded_before_the_upgrade_keep_their_units_and_get_defaults(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "old.db")
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "INSERT INTO print_jobs (id, item_key, kind, study_uid, accession, patient_id,"
                " printer, printer_job_id, state, reason, units_total, created_at, updated_at)"
                " VALUES (1, '1.2/film', 'film', '1.2', 'A', 'P', 'Film', '17', 'submitted', '',"
                " 1, '2026-11-26 10:00:00', '2026-11-26 10:00:00')"
            )
        )
        conn.execute(
            text("INSERT INTO print_units (id, job_id, \"index\", state) VALUES (1, 1, 0, 'sent')")
        )
    assert store.revisions() == {"0001"}

    store.migrate()
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert store.revisions() == heads
    assert "0006_fleet" in heads  # the printing branch, to its newest revision
    with store.session() as session:
        job = JobRepository(session).get(1)
        assert (job.media, job.attention, job.reprint) == ("", "", False)
        (unit,) = job.units
        assert (unit.state, unit.attempts, unit.printer_job_id) == ("sent", 0, None)
        assert unit.digest == ""  # recorded before digests: never resumed by recomposing
    store.close()
