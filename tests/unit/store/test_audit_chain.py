"""The audit log's hash chain: intact when only appended; an edited, deleted or inserted row
is found, with the first broken row's id; the log refuses UPDATE and DELETE."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from kiosk_app import cli
from kiosk_app.store import Store, audit
from kiosk_app.store.db import alembic_config
from kiosk_app.store.repositories import AuditRepository


def _store(tmp_path: Path, rows: int = 6) -> Store:
    store = Store.open(tmp_path / "kiosk.db")
    for i in range(rows):
        with store.session() as session:
            AuditRepository(session).record(f"nurse-{i}", "supply.loaded", f"film {i}", {"n": i})
    return store


def _verdict(store: Store) -> audit.Verdict:
    with store.session() as session:
        return audit.verify(session)


def _tamper(path: Path, *sql: str) -> None:
    """What someone with the database file does: drop the guards, then change the rows."""
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()


def test_an_appended_log_is_intact_and_each_row_links_to_the_one_before(tmp_path: Path) -> None:
    store = _store(tmp_path)
    verdict = _verdict(store)
    assert (verdict.intact, verdict.rows) == (True, 6)
    con = sqlite3.connect(tmp_path / "kiosk.db")
    rows = con.execute("SELECT id, prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    assert rows[0][1] == audit.GENESIS
    assert [r[1] for r in rows[1:]] == [r[2] for r in rows[:-1]]
    assert con.execute("SELECT count, last_id, last_hash FROM audit_head").fetchone() == (
        6,
        6,
        rows[-1][2],
    )


def test_the_log_refuses_update_and_delete(tmp_path: Path) -> None:
    _store(tmp_path, rows=2).close()
    con = sqlite3.connect(tmp_path / "kiosk.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_log WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        con.execute("DELETE FROM audit_head")
    with pytest.raises(sqlite3.IntegrityError, match="only moves forward"):
        con.execute("UPDATE audit_head SET count = 1, last_id = 1")
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)


def test_an_edited_row_is_the_first_broken_link(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _tamper(tmp_path / "kiosk.db", "UPDATE audit_log SET actor = 'nobody' WHERE id = 4")
    verdict = _verdict(store)
    assert (verdict.intact, verdict.broken_id) == (False, 4)
    assert "changed" in verdict.reason


def test_a_row_deleted_in_the_middle_breaks_the_next_link(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _tamper(tmp_path / "kiosk.db", "DELETE FROM audit_log WHERE id = 3")
    verdict = _verdict(store)
    assert (verdict.intact, verdict.broken_id) == (False, 4)


def test_the_first_row_deleted_is_found(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _tamper(tmp_path / "kiosk.db", "DELETE FROM audit_log WHERE id = 1")
    assert _verdict(store).broken_id == 2


def test_rows_deleted_at_the_end_are_found_through_the_head(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _tamper(tmp_path / "kiosk.db", "DELETE FROM audit_log WHERE id >= 5")
    verdict = _verdict(store)
    # what is left is a valid chain by itself: only the head says rows 5 and 6 existed
    assert (verdict.intact, verdict.broken_id) == (False, 5)
    assert "missing" in verdict.reason


def test_an_inserted_row_is_found_even_with_a_correct_hash(tmp_path: Path) -> None:
    store = _store(tmp_path, rows=3)
    with store.session() as session:
        last = AuditRepository(session).recent(1)[0]
    at = datetime(2026, 12, 1, 9, 0)
    forged = audit.row_hash(4, at, "nurse-0", "job.canceled", "job 9", "{}", last.hash)
    con = sqlite3.connect(tmp_path / "kiosk.db")
    con.execute(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)"
        " VALUES (4, ?, 'nurse-0', 'job.canceled', 'job 9', '{}', ?, ?)",
        (at.isoformat(sep=" "), last.hash, forged),
    )
    con.commit()
    verdict = _verdict(store)
    assert (verdict.intact, verdict.broken_id) == (False, 4)
    assert "added outside" in verdict.reason
    # and one slipped in between two rows, with a made-up hash
    store2 = _store(tmp_path / "b", rows=4)
    _tamper(
        tmp_path / "b" / "kiosk.db",
        "DELETE FROM audit_log WHERE id = 3",
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)"
        f" VALUES (3, '2026-12-01 09:00:00', 'x', 'y', '', '{{}}', '{'a' * 64}', '{'b' * 64}')",
    )
    assert _verdict(store2).broken_id == 3


def test_every_row_is_copied_to_the_outbox_with_its_hashes(tmp_path: Path) -> None:
    store = _store(tmp_path, rows=3)
    con = sqlite3.connect(tmp_path / "kiosk.db")
    copies = [
        json.loads(p)
        for (p,) in con.execute(
            "SELECT payload FROM outbox WHERE kind = 'audit.recorded' ORDER BY id"
        )
    ]
    rows = con.execute("SELECT id, actor, prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    assert [(c["id"], c["actor"], c["prev_hash"], c["hash"]) for c in copies] == rows
    # the centre can re-check the chain from its copies alone
    prev = audit.GENESIS
    for c in copies:
        at = datetime.fromisoformat(c["at"])
        row = (c["id"], at, c["actor"], c["action"], c["subject"], c["detail"], prev)
        assert audit.row_hash(*row) == c["hash"]
        prev = c["hash"]
    store.close()


def test_the_migration_chains_the_rows_already_there(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.db")
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003_printing_digest")
        command.upgrade(cfg, "0002_cloud")
        for i, at in enumerate(("2026-11-26 10:00:00", "2026-11-26 10:00:01.250000"), 1):
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, at, actor, action, subject, detail)"
                    " VALUES (:id, :at, 'nurse-1', 'job.resumed', :s, '{}')"
                ),
                {"id": i, "at": at, "s": f"job {i}"},
            )
    store.migrate()
    assert "0006_fleet" in store.revisions()  # through 0004_audit_chain, to the newest
    verdict = _verdict(store)
    assert (verdict.intact, verdict.rows) == (True, 2)
    with store.session() as session:
        AuditRepository(session).record("nurse-2", "supply.loaded")
    assert _verdict(store).rows == 3
    con = sqlite3.connect(tmp_path / "old.db")
    assert con.execute("SELECT count(*) FROM outbox WHERE kind = 'audit.recorded'").fetchone() == (
        3,
    )


def test_kiosk_audit_verify_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_KIOSK__DATA_DIR", str(tmp_path))
    _store(tmp_path).close()
    assert cli.main(["audit", "verify", "--demo"]) == 0
    assert "intact: 6 rows" in capsys.readouterr().out
    _tamper(tmp_path / "kiosk.db", "UPDATE audit_log SET detail = '{}' WHERE id = 2")
    assert cli.main(["audit", "verify", "--demo", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["broken_id"] == 2
    assert captured.err.startswith("kiosk: audit log broken at row 2:")
