"""Retention of patient data at rest, on a real SQLite file: after ``[policy] retention_days`` a
finished item's PatientID and accession number are keyed refs; print-once still holds; rows
inside the retention and open or unknown jobs are untouched; the audit log never held them."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk_app import cli
from kiosk_app.core.models import ItemKind, ItemState, JobState
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.maintenance import MaintenanceService
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.store import Store, audit, retention
from kiosk_app.store.repositories import JobRepository
from kiosk_app.store.tables import utcnow
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance

PID, ACC = "PID7730001", "ACC2026120301"
STUDY = "1.2.826.0.1.3680043.8.498.77"
KEY = bytes(range(32))
RETENTION = timedelta(days=90)


def _kiosk(tmp_path: Path) -> tuple[Store, VisitService, ScriptedPrinter]:
    store = Store.open(tmp_path / "kiosk.db")
    paper, film = ScriptedPrinter("Paper"), ScriptedPrinter("Film")
    printing = PrintingService(store, paper, film, poll_interval=0.01)
    source = MemorySource([pdf_instance(PID, ACC, STUDY), *ct_images(PID, ACC, STUDY, n=2)])
    catalog = Catalog(source)
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=True),
        printing=printing,
        content=ItemContent(catalog, FilmOptions(size="8INX10IN", dpi=20)),
        job_timeout=5,
    )
    return store, visit, paper


def _rows(path: Path, table: str) -> list[dict[str, object]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute(f"SELECT * FROM {table} ORDER BY id")]
    con.close()
    return rows


def _file_bytes(tmp_path: Path) -> bytes:
    """Everything SQLite keeps on disk for the database: the file, its WAL, its index."""
    return b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*") if p.is_file())


def test_finished_items_past_retention_keep_only_refs_and_still_print_once(
    tmp_path: Path,
) -> None:
    store, visit, paper = _kiosk(tmp_path)
    first = visit.print_code(ACC)
    assert {i.state for i in first.items} == {ItemState.DELIVERED}
    db = tmp_path / "kiosk.db"
    jobs_before = _rows(db, "print_jobs")
    assert {(j["patient_id"], j["accession"]) for j in jobs_before} == {(PID, ACC)}

    report = retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=91))
    assert (report.jobs, report.deliveries, report.applied) == (2, 2, True)
    pid_ref, acc_ref = retention.stored_ref(KEY, PID), retention.stored_ref(KEY, ACC)
    assert pid_ref.startswith("ref:") and pid_ref != retention.stored_ref(b"\1" * 32, PID)
    for table in ("print_jobs", "ledger"):
        for row in _rows(db, table):
            assert (row["patient_id"], row["accession"]) == (pid_ref, acc_ref)
            assert row["redacted_at"] is not None
            assert row["item_key"] in (f"{STUDY}/report", f"{STUDY}/film")  # kept, in clear
    # the jobs' own times are what they were (the maintenance history reads them)
    assert [j["updated_at"] for j in _rows(db, "print_jobs")] == [
        j["updated_at"] for j in jobs_before
    ]
    # and the plaintext is gone from the files, not only from the rows, while the kiosk runs
    raw = _file_bytes(tmp_path)
    assert PID.encode() not in raw and ACC.encode() not in raw

    # print-once by item key: the same exam slip prints nothing new...
    again = visit.print_code(ACC)
    assert {(i.state, i.message_id) for i in again.items} == {
        (ItemState.SKIPPED, "item.already_printed")
    }
    assert len(paper.sent) == 1
    # ...and a nurse's reprint of one item still finds its delivery and prints it once
    nurse = MaintenanceService(store, visit.printing, {})
    nurse.authorise_reprint(STUDY, ItemKind.REPORT, "nurse-7", "patient lost the report")
    third = {i.kind: i.state for i in visit.print_code(ACC).items}
    assert third == {ItemKind.REPORT: ItemState.DELIVERED, ItemKind.FILM: ItemState.SKIPPED}
    assert len(paper.sent) == 2
    # a second pass on that date: the reprint's rows (of today) are due too, then nothing
    again_report = retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=91))
    assert (again_report.jobs, again_report.deliveries) == (1, 1)  # only the reprint's rows
    assert retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=91)).jobs == 0
    # the pass was audited, the chain is intact, and no audit row names the patient
    with store.session() as session:
        verdict = audit.verify(session)
    assert verdict.intact
    audit_rows = _rows(db, "audit_log")
    assert [r["action"] for r in audit_rows].count("retention.redacted") == 2
    assert "reprint.authorised" in [r["action"] for r in audit_rows]
    for row in audit_rows:
        for value in (row["actor"], row["subject"], row["detail"]):
            assert PID not in str(value) and ACC not in str(value)


def test_rows_inside_the_retention_are_untouched_and_a_dry_run_changes_nothing(
    tmp_path: Path,
) -> None:
    store, visit, _paper = _kiosk(tmp_path)
    visit.print_code(ACC)
    db = tmp_path / "kiosk.db"
    before = {t: _rows(db, t) for t in ("print_jobs", "ledger")}
    # 90 days on, today's prints are still inside the retention (the cutoff is a day start)
    inside = retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=90))
    assert (inside.jobs, inside.deliveries) == (0, 0)
    dry = retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=200), apply=False)
    assert (dry.jobs, dry.deliveries, dry.applied) == (2, 2, False)
    assert {t: _rows(db, t) for t in ("print_jobs", "ledger")} == before
    assert all(r["redacted_at"] is None and r["patient_id"] == PID for r in before["ledger"])
    assert "retention.redacted" not in [r["action"] for r in _rows(db, "audit_log")]


@pytest.mark.parametrize(
    ("state", "redacted"),
    [
        (JobState.QUEUED, False),
        (JobState.SUBMITTED, False),
        (JobState.PAUSED, False),
        (JobState.UNKNOWN, False),  # a nurse may still resume it: never, at any age
        (JobState.FAILED, True),
        (JobState.CANCELED, True),
        (JobState.COMPLETED, True),
    ],
)
def test_only_jobs_that_can_no_longer_print_are_redacted(
    tmp_path: Path, state: JobState, redacted: bool
) -> None:
    store = Store.open(tmp_path / "kiosk.db")
    long_ago = datetime(2020, 1, 1, 12, 0)
    with store.session() as session:
        repo = JobRepository(session)
        job = repo.create(
            kind="film", study_uid=STUDY, accession=ACC, patient_id=PID, printer="Film",
            units_total=1,
        )  # fmt: skip
        repo.set_state(job, state, "")
        job.created_at = long_ago
    with store.engine.begin() as con:  # the job's last change, years ago
        con.exec_driver_sql("UPDATE print_jobs SET updated_at = ?", (long_ago,))
    report = retention.run(store, KEY, RETENTION, now=utcnow() + timedelta(days=1000))
    (row,) = _rows(tmp_path / "kiosk.db", "print_jobs")
    assert report.jobs == int(redacted)
    if redacted:
        assert row["patient_id"] == retention.stored_ref(KEY, PID)
        assert row["accession"] == retention.stored_ref(KEY, ACC)
    else:
        assert (row["patient_id"], row["accession"], row["redacted_at"]) == (PID, ACC, None)


def test_the_cutoff_is_the_start_of_a_day() -> None:
    now = datetime(2026, 12, 3, 17, 45)
    assert retention.cutoff(now, RETENTION) == datetime(2026, 9, 4)
    assert retention.stored_ref(KEY, "") == ""
    assert retention.stored_ref(KEY, " PID1 ") == retention.stored_ref(KEY, "PID1")


def test_kiosk_retention_dry_run_then_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    store, visit, _paper = _kiosk(data)
    visit.print_code(ACC)
    store.close()
    with sqlite3.connect(data / "kiosk.db") as con:  # the prints were 100 days ago
        old = (utcnow() - timedelta(days=100)).isoformat(" ")
        con.execute("UPDATE print_jobs SET updated_at = ?", (old,))
        con.execute("UPDATE ledger SET delivered_at = ?", (old,))
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{data}"\n[policy]\nretention_days = 90\n')
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert cli.main(["retention", "--config", str(config), "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert (dry["jobs"], dry["deliveries"], dry["applied"]) == (2, 2, False)
    assert _rows(data / "kiosk.db", "ledger")[0]["patient_id"] == PID
    assert cli.main(["retention", "--config", str(config), "--apply"]) == 0
    assert "2 job(s) and 2 delivery(ies)" in capsys.readouterr().out
    key = (data / "patient-ref.key").read_bytes()
    assert oct((data / "patient-ref.key").stat().st_mode & 0o777) == "0o600"
    assert {r["patient_id"] for r in _rows(data / "kiosk.db", "ledger")} == {
        retention.stored_ref(key, PID)
    }


def test_the_running_kiosk_redacts_by_itself(tmp_path: Path) -> None:
    from kiosk_app.app import build
    from kiosk_app.settings import load

    env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path), "KIOSK_HEALTH__PORT": "0"}
    kiosk = build(load(None, demo=True, env=env))
    try:
        long_ago = utcnow() - timedelta(days=kiosk.settings.policy.retention_days + 2)
        with kiosk.store.session() as session:
            repo = JobRepository(session)
            job = repo.create(
                kind="report", study_uid=STUDY, accession=ACC, patient_id=PID, printer="Paper",
                units_total=1,
            )  # fmt: skip
            repo.set_state(job, JobState.COMPLETED, "")
        with kiosk.store.engine.begin() as con:
            con.exec_driver_sql("UPDATE print_jobs SET updated_at = ?", (long_ago,))
        kiosk.start_background()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (row,) = _rows(tmp_path / "kiosk.db", "print_jobs")
            if row["redacted_at"] is not None:
                break
            time.sleep(0.1)
        key = (tmp_path / "patient-ref.key").read_bytes()
        assert row["patient_id"] == retention.stored_ref(key, PID)
    finally:
        kiosk.close()
