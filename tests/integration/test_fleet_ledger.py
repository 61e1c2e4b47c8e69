"""The fleet's shared ledger on a real PostgreSQL: migrations, claims, leases, nurses, offline.

Each test gets a database of its own on the PostgreSQL of ``scripts/services.sh`` (skipped when
none runs, failed with ``KIOSK_REQUIRE_SERVICES=1``); each kiosk logs in with its own role
over TLS verified against the server's certificate, and keeps its own SQLite database.
"""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from kiosk_app.app import build_selftest
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.services import selftest
from kiosk_app.services.fleet import (
    DOUBLE_PRINT,
    ClaimRefusedError,
    ClaimState,
    FleetLedger,
    FleetUnreachableError,
)
from kiosk_app.settings import load
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, JobRepository
from kiosk_app.store.tables import PrintJob, utcnow
from tests.helpers.postgres import FleetDatabase, PostgresServer

pytestmark = pytest.mark.integration

STUDY = "1.2.826.0.1.3680043.8.498.16001"
EXAM = Exam(STUDY, "ACC16001", "P16001", "Test^Fleet", None, ("CT",), "CT chest")


def kiosk(
    fleet_db: FleetDatabase, tmp_path: Path, number: int, *, url: str | None = None, **kwargs
) -> FleetLedger:  # type: ignore[no-untyped-def]
    shared = Store.for_url(url or fleet_db.url(number), role="kiosk_fleet", connect_timeout=2)
    local = Store.open(tmp_path / f"kiosk-{number:02d}" / "kiosk.db")
    return FleetLedger(shared, local, f"kiosk-{number:02d}", **kwargs)


def local_job(ledger: FleetLedger, kind: ItemKind = ItemKind.FILM) -> PrintJob:
    with ledger.local.session() as session:
        return JobRepository(session).create(
            kind=kind.value,
            study_uid=STUDY,
            accession="ACC16001",
            patient_id="P16001",
            printer="film-1",
            units_total=2,
        )


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://kiosk_01:kiosk_01-secret@127.0.0.1:{port}/kiosk_fleet"


def test_the_same_migrations_make_the_same_tables_and_an_append_only_audit_log(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    ledger = kiosk(fleet_db, tmp_path, 1)
    ledger.shared.migrate()
    ledger.shared.migrate()  # a second kiosk starting finds it done
    shared_tables = set(inspect(ledger.shared.engine).get_table_names())
    local_tables = set(inspect(ledger.local.engine).get_table_names())
    assert shared_tables == local_tables
    assert {"fleet_claims", "fleet_journal", "ledger", "audit_log"} <= shared_tables
    assert ledger.shared.revisions() == ledger.local.revisions()
    # the tables belong to the group role, not to the kiosk that happened to migrate first
    tables = fleet_db.rows("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
    owners = {owner for (owner,) in tables}
    assert owners == {"kiosk_fleet"}

    with ledger.shared.session() as session:
        AuditRepository(session).record("nurse-1", "fleet.settled", "x", copy_to_outbox=False)
    for sql in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET count = 0",
    ):
        with pytest.raises(DBAPIError) as refused, ledger.shared.session() as session:
            session.execute(text(sql))
        assert "audit_log is append-only" in str(refused.value) or "audit_head" in str(
            refused.value
        ), sql
    rows = fleet_db.rows("SELECT actor, action FROM audit_log")
    assert rows == [("nurse-1", "fleet.settled")]


@pytest.mark.parametrize("kiosks", [2, 10])
def test_kiosks_racing_for_one_item_one_claim_wins(
    fleet_db: FleetDatabase, tmp_path: Path, kiosks: int
) -> None:
    ledgers = [kiosk(fleet_db, tmp_path, n) for n in range(1, kiosks + 1)]
    ledgers[0].shared.migrate()
    start = threading.Barrier(kiosks)
    won: list[str] = []
    refused: list[ClaimRefusedError] = []

    def race(ledger: FleetLedger) -> None:
        start.wait()
        try:
            ledger.claim(EXAM, ItemKind.FILM)
            won.append(ledger.kiosk_id)
        except ClaimRefusedError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=race, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1, won
    assert len(refused) == kiosks - 1
    assert {(e.message_id, e.params["kiosk"]) for e in refused} == {
        ("item.printing_elsewhere", won[0])
    }
    assert "another kiosk" in refused[0].text("en")
    assert fleet_db.rows("SELECT kiosk_id, state FROM fleet_claims") == [(won[0], "printing")]


def test_an_expired_claim_is_unknown_for_a_nurse_and_never_taken_over(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    crashed = kiosk(fleet_db, tmp_path, 1, lease=30)
    crashed.claim(EXAM, ItemKind.FILM)
    crashed.attach(crashed.claim(EXAM, ItemKind.REPORT), local_job(crashed, ItemKind.REPORT))
    later = utcnow() + timedelta(minutes=5)
    other = kiosk(fleet_db, tmp_path, 2, now=lambda: later)

    with pytest.raises(ClaimRefusedError) as refused:
        other.claim(EXAM, ItemKind.FILM)
    assert refused.value.message_id == "item.waits_for_staff"
    assert "staff" in refused.value.text("en")
    assert refused.value.text("zh_CN") == "这项资料的打印情况需要工作人员确认，请到服务台。"
    # asking again does not take it either
    with pytest.raises(ClaimRefusedError):
        other.claim(EXAM, ItemKind.FILM)
    assert fleet_db.rows("SELECT kiosk_id, state FROM fleet_claims ORDER BY item_key") == [
        ("kiosk-01", "unknown"),
        ("kiosk-01", "printing"),  # the report's lease ran out too, nobody asked yet
    ]

    # a nurse at the other kiosk sees the crashed kiosk's items and says the film did not print
    waiting, report = other.claims()
    assert (waiting.kiosk_id, waiting.kind, waiting.study_uid) == ("kiosk-01", "film", STUDY)
    assert (report.kiosk_id, report.kind, report.state) == (
        "kiosk-01",
        "report",
        ClaimState.UNKNOWN,
    )
    decision = other.decide(EXAM, ItemKind.REPORT)
    assert decision is not None and decision.message_id == "item.waits_for_staff"
    assert "lease of kiosk-01 ran out" in waiting.reason
    settled = other.settle(waiting.item_key, "nurse-7", printed=False)
    assert settled.state is ClaimState.RELEASED
    assert other.claim(EXAM, ItemKind.FILM).key == waiting.item_key  # now it may print
    audit = fleet_db.rows("SELECT actor, action FROM audit_log ORDER BY id")
    assert audit == [
        ("kiosk-02", "fleet.claim_expired"),
        ("kiosk-02", "fleet.claim_expired"),
        ("nurse-7", "fleet.settled"),
    ]


def test_a_nurse_who_finds_the_sheets_makes_it_delivered_for_the_whole_fleet(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    crashed = kiosk(fleet_db, tmp_path, 1, lease=1)
    crashed.claim(EXAM, ItemKind.FILM)
    later = utcnow() + timedelta(minutes=1)
    nurse_kiosk = kiosk(fleet_db, tmp_path, 2, now=lambda: later)
    with pytest.raises(ClaimRefusedError):
        nurse_kiosk.claim(EXAM, ItemKind.FILM)
    nurse_kiosk.settle(f"{STUDY}/film", "nurse-7", printed=True)
    third = kiosk(fleet_db, tmp_path, 3)
    decision = third.decide(EXAM, ItemKind.FILM)
    assert decision is not None and decision.message_id == "item.printed_elsewhere"
    assert "kiosk-01" in decision.reason("en")
    with pytest.raises(ClaimRefusedError) as refused:
        third.claim(EXAM, ItemKind.FILM)
    assert refused.value.message_id == "item.printed_elsewhere"


def test_a_delivery_is_fleet_wide_and_a_reprint_authorised_anywhere_prints_once(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    first = kiosk(fleet_db, tmp_path, 1)
    claim = first.claim(EXAM, ItemKind.FILM)
    job = local_job(first)
    first.attach(claim, job)
    first.renew(job)
    first.finished(job, JobState.COMPLETED)
    assert fleet_db.rows("SELECT kiosk_id, job_id, patient_id, accession FROM ledger") == [
        ("kiosk-01", job.id, "", "")  # no patient identifiers in the shared ledger
    ]
    second = kiosk(fleet_db, tmp_path, 2)
    with pytest.raises(ClaimRefusedError) as refused:
        second.claim(EXAM, ItemKind.FILM)
    assert refused.value.message_id == "item.printed_elsewhere"
    assert refused.value.text("zh_CN") == "已在另一台自助机上打印过。如需补打，请到服务台。"

    third = kiosk(fleet_db, tmp_path, 3)
    with pytest.raises(ValueError):
        third.authorise_reprint(f"{STUDY}/report", "nurse-3", "never printed")
    third.authorise_reprint(f"{STUDY}/film", "nurse-3", "film damaged")
    assert second.decide(EXAM, ItemKind.FILM) is None
    reprint = second.claim(EXAM, ItemKind.FILM)
    assert reprint.reprint and reprint.authorisation is not None
    job2 = local_job(second)
    second.attach(reprint, job2)
    with second.local.session() as session:
        session.get_one(PrintJob, job2.id).reprint = True
        job2.reprint = True
    second.finished(job2, JobState.COMPLETED)
    with pytest.raises(ClaimRefusedError):  # the authorisation is used up
        first.claim(EXAM, ItemKind.FILM)
    assert fleet_db.rows("SELECT kiosk_id, reprint FROM ledger ORDER BY id") == [
        ("kiosk-01", False),
        ("kiosk-02", True),
    ]
    assert second.double_prints() == 0 and first.double_prints() == 0


def test_a_failed_job_releases_its_claim_for_any_kiosk(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    first = kiosk(fleet_db, tmp_path, 1)
    claim = first.claim(EXAM, ItemKind.REPORT)
    job = local_job(first, ItemKind.REPORT)
    first.attach(claim, job)
    first.finished(job, JobState.FAILED)
    assert kiosk(fleet_db, tmp_path, 2).claim(EXAM, ItemKind.REPORT).key == f"{STUDY}/report"


def test_offline_refuse_prints_nothing_and_says_so(tmp_path: Path) -> None:
    local = Store.open(tmp_path / "kiosk.db")
    ledger = FleetLedger(
        Store.for_url(dead_url(), connect_timeout=1), local, "kiosk-01", offline="refuse"
    )
    decision = ledger.decide(EXAM, ItemKind.FILM)
    assert decision is not None and decision.message_id == "fleet.offline"
    with pytest.raises(FleetUnreachableError) as refused:
        ledger.claim(EXAM, ItemKind.FILM)
    assert refused.value.text("zh_CN").startswith("自助机暂时无法核对打印记录")
    assert "connection" in refused.value.params["detail"] or refused.value.params["detail"]


def test_offline_prefetched_only_prints_journals_and_a_double_print_is_an_event(
    fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    offline = kiosk(
        fleet_db,
        tmp_path,
        1,
        url=dead_url(),
        offline="prefetched-only",
        prefetched=lambda exam, kind: kind is ItemKind.FILM,
    )
    assert offline.decide(EXAM, ItemKind.FILM) is None  # prefetched: it may print
    decision = offline.decide(EXAM, ItemKind.REPORT)
    assert decision is not None and decision.message_id == "fleet.offline"
    claim = offline.claim(EXAM, ItemKind.FILM)
    assert claim.offline
    job = local_job(offline)
    offline.attach(claim, job)
    offline.finished(job, JobState.COMPLETED)
    assert offline.unsynced() == 2  # claimed, delivered

    online = kiosk(fleet_db, tmp_path, 2)  # meanwhile another kiosk prints it too
    job2 = local_job(online)
    online.attach(online.claim(EXAM, ItemKind.FILM), job2)
    online.finished(job2, JobState.COMPLETED)

    # the network is back: the same kiosk, the same local database, the real server
    back = FleetLedger(
        Store.for_url(fleet_db.url(1), role="kiosk_fleet"),
        offline.local,
        "kiosk-01",
    )
    report = back.reconcile()
    assert (report.synced, report.double_prints) == (2, 1)
    assert back.unsynced() == 0 and back.double_prints() == 1
    assert back.reconcile().synced == 0  # once
    with back.local.session() as session:
        events = session.execute(
            text("SELECT payload FROM outbox WHERE kind = :k"), {"k": DOUBLE_PRINT}
        ).all()
        audit = session.execute(
            text("SELECT action FROM audit_log WHERE action = :k"), {"k": DOUBLE_PRINT}
        ).all()
    assert len(events) == 1 and "also printed by kiosk-02" in events[0][0]
    assert len(audit) == 1
    assert fleet_db.rows("SELECT kiosk_id FROM ledger ORDER BY id") == [
        ("kiosk-02",),
        ("kiosk-01",),
    ]  # both deliveries recorded, none silent
    assert fleet_db.rows("SELECT actor, action FROM audit_log") == [("kiosk-01", DOUBLE_PRINT)]


def test_selftest_says_whether_the_shared_ledger_answers_over_verified_tls(
    fleet_db: FleetDatabase, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    def fleet_check(**fleet: str) -> tuple[str, str]:
        env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path), "KIOSK_FLEET__ROLE": "kiosk_fleet"}
        env.update({f"KIOSK_FLEET__{k.upper()}": v for k, v in fleet.items()})
        checks = build_selftest(load(None, demo=True, env=env))
        (check,) = [c for c in checks if c.name == "fleet_ledger"]
        result = selftest.run([check], kiosk_id="k", version="test").results[0]
        return result.level.name, result.detail

    plain_url = fleet_db.url(1).split("?")[0]
    level, detail = fleet_check(database=plain_url, ca_file=str(postgres_server.ca_file))
    assert level == "OK" and "as kiosk_01, TLS verified" in detail
    level, detail = fleet_check(database=plain_url)
    assert level == "WARN" and "NOT verified" in detail
    level, detail = fleet_check(database=dead_url())
    assert level == "FAIL" and "cannot reach the fleet's shared ledger" in detail
