"""Real ``kiosk print`` processes of one fleet against one real PostgreSQL.

Each kiosk is its own process with its own data folder (its SQLite database), its own login
role and its own printers: folder printers, each writing every job it receives as a PDF into
the kiosk's own output folder, which is what the test counts. They share one PostgreSQL
database (``[fleet] database``, TLS verified against the server's certificate) and the demo
archive: the racing kiosks through an Orthanc of this module's own (DICOMweb; the shared one's
archive belongs to other tests), the others as a local archive (``[cloud] kind = "local"``:
what a kiosk holds itself, for the offline rule).

What a user would notice: each report and each film comes out of exactly one kiosk's
printer, whichever kiosks race for the patient; the others say in the patient's words that it
is printing or printed elsewhere; a killed kiosk's items wait for a nurse, who sees them from
another kiosk; and with PostgreSQL stopped mid-visit the offline rule decides, and what the
outage allowed twice is an event, not a silent row.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from drivers.printer.fake import FakeFault
from kiosk_app.app import build
from kiosk_app.core.models import ItemKind
from kiosk_app.health.metrics import KioskCollector
from kiosk_app.services.fleet import DOUBLE_PRINT, ClaimState
from kiosk_app.settings import load
from tests.helpers.postgres import FleetDatabase, PostgresServer, PrivatePostgres
from tests.helpers.services import OrthancClient, parse_env_file
from tests.helpers.silent import silent_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ARCHIVE = REPO / "assets" / "demo" / "archive"
CODE = "DEMO0001"  # an exam slip: that exam's report and film


def write_config(
    tmp_path: Path,
    number: int,
    database_url: str,
    ca_file: Path,
    *,
    film_lines: tuple[str, ...] = (),
    fleet_lines: tuple[str, ...] = (),
    cloud_lines: tuple[str, ...] = (),
) -> Path:
    """kiosk-NN's kiosk.toml: its own data folder, printers and role; the fleet's database;
    the demo archive as a local archive unless ``cloud_lines`` name a DICOMweb cloud."""
    home = tmp_path / f"kiosk-{number:02d}"
    out = home / "out"
    out.mkdir(parents=True, exist_ok=True)
    film = film_lines or ('backend = "folder"', f'output_dir = "{out}"')
    lines = [
        "[kiosk]",
        f'id = "kiosk-{number:02d}"',
        f'data_dir = "{home / "data"}"',
        "[cloud]",
        *(cloud_lines or ('kind = "local"', f'archive_dir = "{ARCHIVE}"')),
        "[printers.report]",
        'backend = "folder"',
        f'output_dir = "{out}"',
        "[printers.film]",
        *film,
        "[film]",
        "dpi = 50",
        "[printing]",
        "job_timeout = 60",
        "poll_interval = 0.1",
        "[fleet]",
        f'database = "{database_url}"',
        f'ca_file = "{ca_file}"',
        'role = "kiosk_fleet"',
        *fleet_lines,
    ]
    path = home / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_print(config: Path, code: str = CODE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "print", code, "--config", str(config), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "KIOSK_CONFIG": ""},
    )


def finish(process: subprocess.Popen[str], timeout: float = 240) -> dict[str, dict[str, str]]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return {item["kind"]: item for item in json.loads(out)["items"]}


def printed(tmp_path: Path, number: int) -> dict[str, list[str]]:
    """What kiosk-NN's printers received: the PDFs in its folder, by kind."""
    out = tmp_path / f"kiosk-{number:02d}" / "out"
    files = sorted(p.name for p in out.glob("*.pdf"))
    return {
        "report": [f for f in files if f.startswith("report-")],
        "film": [f for f in files if f.startswith("film-")],
    }


def kiosk_print(config: Path, code: str = CODE) -> dict[str, dict[str, str]]:
    return finish(start_print(config, code))


@pytest.fixture(scope="module")
def demo_orthanc() -> Iterator[tuple[str, ...]]:
    """An Orthanc of this module's own (``ONLY=orthanc`` on free ports; the shared one's
    archive belongs to other tests) holding the demo archive; the kiosks' [cloud] lines."""
    if os.geteuid() != 0 or not Path("/usr/sbin/Orthanc").exists():
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("a private Orthanc needs root and Orthanc (scripts/setup.sh)")
        pytest.skip("a private Orthanc needs root and Orthanc (scripts/setup.sh)")
    run = Path(tempfile.mkdtemp(prefix="kiosk-fleet-orthanc-", dir="/tmp"))
    env = {
        **os.environ,
        "ONLY": "orthanc",
        "RUN": str(run),
        "ORTHANC_HTTP": str(free_port()),
        "ORTHANC_DICOM": str(free_port()),
    }
    script = str(REPO / "scripts" / "services.sh")
    try:
        started = subprocess.run(
            ["bash", script, "start"], env=env, capture_output=True, text=True, timeout=90
        )
        if started.returncode != 0:
            pytest.fail(f"private Orthanc did not start: {started.stderr[-500:]}")
        values = parse_env_file((run / "env.sh").read_text())
        client = OrthancClient(
            values["ORTHANC_URL"],
            values["ORTHANC_DICOMWEB"],
            (values["ORTHANC_USER"], values["ORTHANC_PASSWORD"]),
        )
        for path in sorted(ARCHIVE.glob("*.dcm")):
            client.upload(path)
        yield (
            f'url = "{client.dicomweb_url}"',
            f'username = "{client.auth[0]}"',
            f'password = "{client.auth[1]}"',
        )
    finally:
        subprocess.run(["bash", script, "stop"], env=env, capture_output=True, timeout=60)
        shutil.rmtree(run, ignore_errors=True)


@pytest.mark.parametrize("kiosks", [2, 10])
def test_kiosks_racing_for_one_patient_print_each_item_exactly_once(
    fleet_db: FleetDatabase,
    postgres_server: PostgresServer,
    demo_orthanc: tuple[str, ...],
    tmp_path: Path,
    kiosks: int,
) -> None:
    """Every kiosk fetches the patient's exam from the same Orthanc (DICOMweb) at once."""
    if kiosks > postgres_server.kiosks:
        pytest.skip(f"the server has {postgres_server.kiosks} kiosk roles (PG_KIOSKS)")
    configs = [
        write_config(
            tmp_path, n, fleet_db.url(n), postgres_server.ca_file, cloud_lines=demo_orthanc
        )
        for n in range(1, kiosks + 1)
    ]
    processes = [start_print(config) for config in configs]  # all at once
    results = [finish(process) for process in processes]

    for kind in ("report", "film"):
        counts = {n: len(printed(tmp_path, n)[kind]) for n in range(1, kiosks + 1)}
        assert sum(counts.values()) == 1, (kind, counts)  # exactly once across the fleet
        winner = next(n for n, c in counts.items() if c == 1)
        assert results[winner - 1][kind]["state"] == "delivered"
        for n, result in enumerate(results, start=1):
            if n == winner:
                continue
            item = result[kind]
            assert item["state"] == "skipped", (n, item)
            assert "another kiosk" in item["reason"] and f"kiosk-{winner:02d}" in item["reason"]
    ledger = fleet_db.rows("SELECT kind, kiosk_id, reprint FROM ledger ORDER BY kind")
    assert [(kind, reprint) for kind, _kiosk, reprint in ledger] == [
        ("film", False),
        ("report", False),
    ]
    claims = fleet_db.rows("SELECT state, count(*) FROM fleet_claims GROUP BY state")
    assert claims == [("delivered", 2)]

    # a second round at any kiosk prints nothing more
    again = kiosk_print(configs[-1])
    assert {item["state"] for item in again.values()} == {"skipped"}
    total = sum(len(v) for n in range(1, kiosks + 1) for v in printed(tmp_path, n).values())
    assert total == 2


@pytest.fixture
def silent_film_printer() -> Iterator[int]:
    """A DICOM film printer that accepts the connection and never answers: the kiosk hangs
    handing over the film, as it would with a printer that froze."""
    with silent_port() as port:
        yield port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until truthy; an error (the kiosk has not made its tables yet)
    counts as not yet."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = condition()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_a_killed_kiosks_claims_end_unknown_for_a_nurse_at_another_kiosk(
    fleet_db: FleetDatabase,
    postgres_server: PostgresServer,
    tmp_path: Path,
    silent_film_printer: int,
) -> None:
    ca = postgres_server.ca_file
    crashing = write_config(
        tmp_path,
        1,
        fleet_db.url(1),
        ca,
        film_lines=(
            'backend = "dicom"',
            'ae_title = "FROZEN"',
            'host = "127.0.0.1"',
            f"port = {silent_film_printer}",
            "timeout = 120",
        ),
        fleet_lines=("lease_seconds = 2",),
    )
    other = write_config(tmp_path, 2, fleet_db.url(2), ca, fleet_lines=("lease_seconds = 2",))
    process = start_print(crashing)
    try:
        wait_for(
            lambda: fleet_db.rows(
                "SELECT 1 FROM fleet_claims WHERE item_key LIKE '%/film' AND state = 'printing'"
            ),
            90,
            "kiosk-01 to claim the film and hang handing it over",
        )
        time.sleep(0.5)  # the film's first byte is on its way to the frozen printer
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert len(printed(tmp_path, 1)["report"]) == 1  # the report came out before the crash
    time.sleep(2.5)  # both leases run out; nobody renews them

    second = kiosk_print(other)
    for kind in ("report", "film"):
        assert second[kind]["state"] == "skipped"
        assert "checked by the staff" in second[kind]["reason"], second[kind]
    assert printed(tmp_path, 2) == {"report": [], "film": []}
    assert fleet_db.rows("SELECT kiosk_id, state FROM fleet_claims ORDER BY item_key") == [
        ("kiosk-01", "unknown"),
        ("kiosk-01", "unknown"),
    ]

    # the nurse at kiosk-02 sees kiosk-01's items; the report is in its tray, the film is not
    nurse_kiosk = build(load(other, env={}))
    try:
        waiting = nurse_kiosk.maintenance.fleet_unknown()
        assert {(c.kiosk_id, c.kind) for c in waiting} == {
            ("kiosk-01", "report"),
            ("kiosk-01", "film"),
        }
        by_kind = {c.kind: c for c in waiting}
        nurse_kiosk.maintenance.settle_fleet_item(
            by_kind["report"].item_key, "nurse-2", printed=True
        )
        settled = nurse_kiosk.maintenance.settle_fleet_item(
            by_kind["film"].item_key, "nurse-2", printed=False
        )
        assert settled.state is ClaimState.RELEASED
        assert nurse_kiosk.maintenance.fleet_unknown() == []
    finally:
        nurse_kiosk.close()

    third = kiosk_print(other)
    assert third["report"]["state"] == "skipped" and "kiosk-01" in third["report"]["reason"]
    assert third["film"]["state"] == "delivered"
    assert len(printed(tmp_path, 2)["film"]) == 1 and printed(tmp_path, 2)["report"] == []


def test_postgres_stopped_mid_visit_follows_the_offline_rule_and_reconciles(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    server = private_postgres.server
    assert server is not None
    url = server.url("kiosk_fleet", "kiosk_01")
    ca = server.ca_file
    lenient = write_config(tmp_path, 1, url, ca, fleet_lines=('offline = "prefetched-only"',))
    strict = write_config(
        tmp_path, 2, server.url("kiosk_fleet", "kiosk_02"), ca, fleet_lines=('offline = "refuse"',)
    )
    online = write_config(tmp_path, 3, server.url("kiosk_fleet", "kiosk_03"), ca)

    # Mid-visit: kiosk-01 has claimed DEMO0001's items and is printing when PostgreSQL stops.
    settings = load(lenient, env={})
    kiosk = build(settings)
    # both folder printers jam on their next job: the jobs are sent and wait, their claims
    # taken (a printer jammed before the visit would not be offered at all)
    printers = (kiosk.report_printer, kiosk.film_printer)
    for printer in printers:
        printer.fail_next = FakeFault.JAM  # type: ignore[attr-defined]
    visit: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: visit.update(summary=kiosk.visit.print_code(CODE)), daemon=True
    )
    try:
        thread.start()
        wait_for(
            lambda: (
                server.admin(
                    "SELECT count(*) FROM fleet_claims WHERE state = 'printing'", "kiosk_fleet"
                )
                == [(2,)]
            ),
            60,
            "kiosk-01 to claim both items",
        )
        private_postgres.stop()
        for printer in printers:
            printer.clear_fault()  # type: ignore[attr-defined]
        thread.join(90)
        summary = visit["summary"]
        states = {item.kind: item.state.value for item in summary.items}  # type: ignore[attr-defined]
        assert states == {ItemKind.REPORT: "delivered", ItemKind.FILM: "delivered"}
        assert kiosk.fleet is not None and kiosk.fleet.unsynced() == 2  # owed: two deliveries
    finally:
        kiosk.close()
    assert {k: len(v) for k, v in printed(tmp_path, 1).items()} == {"report": 1, "film": 1}

    # Still down. "refuse": nothing prints at kiosk-02, and the patient is told why.
    refused = kiosk_print(strict, "DEMO0003")
    for kind in ("report", "film"):
        assert refused[kind]["state"] == "skipped"
        assert "shared print record" in refused[kind]["reason"]
    assert printed(tmp_path, 2) == {"report": [], "film": []}
    # "prefetched-only": kiosk-01 holds its archive itself, so DEMO0003 prints there, journalled
    offline = kiosk_print(lenient, "DEMO0003")
    assert {item["state"] for item in offline.values()} == {"delivered"}

    # Back up. kiosk-03 knows nothing of kiosk-01's offline DEMO0003 and prints it again.
    private_postgres.start(keep=True)
    again = kiosk_print(online, "DEMO0003")
    assert {item["state"] for item in again.values()} == {"delivered"}
    # DEMO0001's claims, kept by kiosk-01's lease, still keep kiosk-03 from printing it
    held = kiosk_print(online, CODE)
    assert {item["state"] for item in held.values()} == {"skipped"}

    # kiosk-01's next visit reconciles first: DEMO0001 delivered (no conflict), DEMO0003 twice
    kiosk_print(lenient, "DEMO0004")
    rows = server.admin(
        "SELECT kiosk_id, count(*) FROM ledger GROUP BY kiosk_id ORDER BY kiosk_id", "kiosk_fleet"
    )
    assert rows == [("kiosk-01", 6), ("kiosk-03", 2)]  # every delivery, none silent
    doubles = server.admin(
        f"SELECT count(*) FROM audit_log WHERE action = '{DOUBLE_PRINT}'", "kiosk_fleet"
    )
    assert doubles == [(2,)]  # DEMO0003's report and film
    # DEMO0001's claims are kiosk-01's and delivered; DEMO0004's too (printed online)
    assert server.admin(
        "SELECT kiosk_id, state, count(*) FROM fleet_claims GROUP BY kiosk_id, state "
        "ORDER BY kiosk_id",
        "kiosk_fleet",
    ) == [("kiosk-01", "delivered", 4), ("kiosk-03", "delivered", 2)]
    check = build(load(lenient, env={}))
    try:
        assert check.fleet is not None
        assert check.fleet.unsynced() == 0
        assert check.fleet.double_prints() == 2
        with check.store.session() as session:
            events = session.execute(
                text("SELECT payload FROM outbox WHERE kind = :k"), {"k": DOUBLE_PRINT}
            ).all()
        assert len(events) == 2 and all("kiosk-03" in payload for (payload,) in events)
        # the metric the centre's alert watches
        registry = CollectorRegistry()
        registry.register(KioskCollector(check.monitor, check.store))
        assert registry.get_sample_value("kiosk_fleet_double_prints_total") == 2
        assert registry.get_sample_value("kiosk_fleet_unsynced") == 0
    finally:
        check.close()
