"""The monitoring centre's remote operations on a kiosk, over loopback, against the real cupsd.

Every operation is called with both roles (the scraper's read token is refused), and every call
is checked in the audit log: who, from where, what came of it. The jobs are real CUPS jobs on
the jam-simulating film queue; what the printer received is read back from its output.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from pypdf import PdfReader

from kiosk_app.app import Kiosk, build
from kiosk_app.core.models import Exam, JobState
from kiosk_app.health.access import token_entry
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.logs import patient_ref
from kiosk_app.services.operations import EXIT_RESTART, Present
from kiosk_app.settings import load
from kiosk_app.store import audit
from kiosk_app.store.repositories import AuditRepository, ConsumableRepository
from tests.helpers.certs import Authority
from tests.helpers.services import CupsQueues, drive_job, wait_until
from tests.integration.test_print_jobs_cups import FilmReceived, make_sheets, sheet_numbers

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
READ = "scraper-read-token"
OPERATE = "operator-token-of-wang"
EXAM = Exam("1.2.826.0.1.3680043.10.6.77", "ACC-OPS-7", "P-OPS-440", "TEST", None, ("CT",), "CT")
#: Every operation: method, path, JSON body.
OPERATIONS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/ops/jobs", None),
    ("POST", "/ops/jobs/1/resume", {}),
    ("POST", "/ops/jobs/1/cancel", {"reason": "test"}),
    ("POST", "/ops/supplies", {"printer": "film", "media": "14INX17IN", "count": 100}),
    ("POST", "/ops/test-page", {"printer": "report"}),
    ("POST", "/ops/restart", {}),
    ("GET", "/ops/logs", None),
    ("POST", "/ops/selftest", {}),
]


def kiosk_env(tmp_path: Path, services_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
        "KIOSK_KIOSK__ID": "kiosk-ops",
        "KIOSK_KIOSK__LOG_LEVEL": "DEBUG",
        "KIOSK_CLOUD__KIND": "local",
        "KIOSK_PRINTERS__CUPS_SERVER": services_env["CUPS_SERVER"],
        "KIOSK_PRINTERS__REPORT__QUEUE": services_env["KIOSK_PDF_QUEUE"],
        "KIOSK_PRINTERS__FILM__QUEUE": services_env["KIOSK_FILM_QUEUE"],
        "KIOSK_PRINTING__POLL_INTERVAL": "0.1",
        "KIOSK_HEALTH__PORT": "0",
        "KIOSK_HEALTH__TOKEN": READ,
        "KIOSK_HEALTH__OPERATORS": token_entry("wang", OPERATE),
        "KIOSK_HEALTH__POLL_INTERVAL": "1",
        **extra,
    }


@pytest.fixture
def kiosk(tmp_path: Path, services_env: dict[str, str], cups_queues: CupsQueues) -> Iterator[Kiosk]:
    k = build(load(None, env=kiosk_env(tmp_path, services_env)))
    yield k
    k.operations.wait_followers(30)
    k.close()


@pytest.fixture
def base(kiosk: Kiosk) -> Iterator[str]:
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    yield f"http://127.0.0.1:{endpoint.server.port}"
    endpoint.stop()


def call(
    base: str, method: str, path: str, token: str | None, body: dict[str, Any] | None = None
) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.request(method, base + path, headers=headers, json=body, timeout=60)


def audit_rows(kiosk: Kiosk, prefix: str = "remote.") -> list[tuple[str, str, str, dict[str, Any]]]:
    """(actor, action, subject, detail) of the remote calls' audit rows, oldest first."""
    with kiosk.store.session() as session:
        rows = AuditRepository(session).recent(500)
        return [
            (r.actor, r.action, r.subject, json.loads(r.detail or "{}"))
            for r in reversed(rows)
            if r.action.startswith(prefix)
        ]


def jam_a_job(kiosk: Kiosk, cups_queues: CupsQueues, sheets: int = 3) -> int:
    """A film job the real queue jams on its first sheet; returns its id, paused."""
    cups_queues.set_film_fault("jam", "hold")
    job = kiosk.printing.submit_film(EXAM, make_sheets(sheets, seed=11)).job_id
    drive_job(kiosk.printing, job, lambda r: r.state is JobState.PAUSED, "the job to pause")
    return job


def test_the_read_token_and_strangers_cannot_operate(base: str, kiosk: Kiosk) -> None:
    for token, status in ((None, 401), ("wrong-token", 401), (READ, 403)):
        for method, path, body in OPERATIONS:
            answer = call(base, method, path, token, body)
            assert answer.status_code == status, (token, path, answer.text)
            assert "error" in answer.json()
    # Nothing changed: no film recorded, no restart asked for, no test page.
    with kiosk.store.session() as session:
        assert ConsumableRepository(session).all() == []
    assert not kiosk.operations.restart_requested
    # Both roles read the status; each refusal is an audit row with who, where and why.
    for token in (READ, OPERATE):
        assert call(base, "GET", "/status", token).status_code == 200
        assert call(base, "GET", "/metrics", token).status_code == 200
    rows = audit_rows(kiosk)
    assert len(rows) == 3 * len(OPERATIONS)
    actors = [actor for actor, *_ in rows]
    assert actors == ["anonymous"] * 16 + ["read"] * 8
    assert all(d["source"] == "127.0.0.1" and d["outcome"] == "refused" for *_, d in rows)
    assert {d["status"] for *_, d in rows[16:]} == {403}
    assert rows[16][1] == "remote.jobs.list" and rows[-1][1] == "remote.selftest"


def test_a_jammed_job_is_listed_without_patient_data_and_resumed_from_afar(
    base: str, kiosk: Kiosk, cups_queues: CupsQueues
) -> None:
    received = FilmReceived(cups_queues)
    job = jam_a_job(kiosk, cups_queues)

    listing = call(base, "GET", "/ops/jobs", OPERATE)
    assert listing.status_code == 200
    jobs = listing.json()["jobs"]
    assert [(j["job_id"], j["state"], j["confirmed"], j["units"]) for j in jobs] == [
        (job, "paused", 0, 3)
    ]
    assert "media-jam-error" in jobs[0]["reason"]
    assert jobs[0]["patient"] == patient_ref(EXAM.patient_id)
    assert jobs[0]["exam"] == patient_ref(EXAM.accession_number)
    assert EXAM.patient_id not in listing.text and EXAM.accession_number not in listing.text

    cups_queues.set_film_fault("ok")  # someone on site cleared the jam; the centre resumes
    answer = call(base, "POST", f"/ops/jobs/{job}/resume", OPERATE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["job"] == job
    # The kiosk follows the job by itself: every sheet reaches the printer once.
    wait_until(
        lambda: kiosk.printing.result(job).state is JobState.COMPLETED, 60, "the job to finish"
    )
    assert sheet_numbers(received.pages(), make_sheets(3, seed=11)) == [1, 2, 3]
    assert call(base, "GET", "/ops/jobs", OPERATE).json()["jobs"] == []

    resumed = [r for r in audit_rows(kiosk, "") if r[1] in ("remote.job.resume", "job.resumed")]
    assert [(a, act, s) for a, act, s, _ in resumed] == [
        ("remote.wang", "job.resumed", f"job {job}"),
        ("operator:wang", "remote.job.resume", f"job {job}"),
    ]
    assert resumed[1][3] == {"source": "127.0.0.1", "outcome": "accepted", "status": 200}
    # A job that is finished cannot be resumed or canceled again, nor one that does not exist.
    assert call(base, "POST", f"/ops/jobs/{job}/resume", OPERATE).status_code == 409
    assert call(base, "POST", "/ops/jobs/99999/cancel", OPERATE).status_code == 404


def test_a_jammed_job_canceled_from_afar_prints_nothing_more(
    base: str, kiosk: Kiosk, cups_queues: CupsQueues
) -> None:
    received = FilmReceived(cups_queues)
    job = jam_a_job(kiosk, cups_queues)
    answer = call(base, "POST", f"/ops/jobs/{job}/cancel", OPERATE, {"reason": "patient left"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "canceled"
    cups_queues.set_film_fault("ok")
    time.sleep(2)  # the printer is clear now: had the job gone on, its sheets would come
    assert received.pages() == []
    assert kiosk.printing.result(job).state is JobState.CANCELED
    assert audit_rows(kiosk)[-1][:3] == ("operator:wang", "remote.job.cancel", f"job {job}")


def test_what_would_disturb_someone_at_the_kiosk_is_refused_while_they_are_there(
    base: str, kiosk: Kiosk, cups_queues: CupsQueues
) -> None:
    job = jam_a_job(kiosk, cups_queues)  # the printer stays jammed: its sheet stays in it
    received = FilmReceived(cups_queues)
    for who in (Present.PATIENT, Present.NURSE):
        kiosk.operations.presence.set(who)
        for method, path in (
            ("POST", f"/ops/jobs/{job}/resume"),
            ("POST", f"/ops/jobs/{job}/cancel"),
            ("POST", "/ops/test-page"),
            ("POST", "/ops/selftest"),
        ):
            answer = call(base, method, path, OPERATE, {"printer": "film"})
            assert answer.status_code == 409, (who, path, answer.text)
            assert who.value in answer.json()["error"]
        # What disturbs no one goes through: the list, the film count, the logs.
        assert call(base, "GET", "/ops/jobs", OPERATE).status_code == 200
        loaded = call(
            base, "POST", "/ops/supplies", OPERATE, {"printer": "film", "media": "14INX17IN",
                                                     "count": 50},
        )  # fmt: skip
        assert loaded.status_code == 200 and loaded.json()["remaining"] == 50
        assert call(base, "GET", "/ops/logs?hours=1", OPERATE).status_code == 200
        # A restart waits for the visit to end.
        restart = call(base, "POST", "/ops/restart", OPERATE)
        assert restart.status_code == 202
        assert restart.json()["when"] == "after the current visit and print"
        assert not kiosk.operations.restart_due()
    assert kiosk.printing.result(job).state is JobState.PAUSED
    assert received.pages() == []  # no test wedge landed in a patient's tray
    kiosk.operations.presence.set(Present.NOBODY)
    assert kiosk.operations.restart_due()
    refused = [d for _, _, _, d in audit_rows(kiosk) if d["status"] == 409]
    assert len(refused) == 8 and all(d["outcome"] == "refused" for d in refused)


def test_film_loaded_and_test_pages_reach_the_real_printers(
    base: str, kiosk: Kiosk, cups_queues: CupsQueues
) -> None:
    loaded = call(
        base, "POST", "/ops/supplies", OPERATE, {"printer": "film", "media": "14INX17IN",
                                                 "count": 125},
    )  # fmt: skip
    assert loaded.status_code == 200
    with kiosk.store.session() as session:
        [supply] = ConsumableRepository(session).all()
        assert (supply.media, supply.remaining, supply.updated_by) == (
            "14INX17IN", 125, "remote.wang"
        )  # fmt: skip
    bad = call(base, "POST", "/ops/supplies", OPERATE, {"printer": "film", "media": "X"})
    assert bad.status_code == 400  # no count
    implausible = call(
        base, "POST", "/ops/supplies", OPERATE, {"printer": "film", "media": "A4", "count": -3}
    )
    assert implausible.status_code == 400 and "plausible" in implausible.json()["error"]

    paper = call(base, "POST", "/ops/test-page", OPERATE, {"printer": "report"})
    assert paper.status_code == 200, paper.text
    pdf = PdfReader(cups_queues.report_output(paper.json()["printer_job"]))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert "kiosk-ops test print" in pdf.pages[0].extract_text()
    assert "by remote.wang" in pdf.pages[0].extract_text()

    film = call(base, "POST", "/ops/test-page", OPERATE, {"printer": "film"})
    assert film.status_code == 200, film.text
    wedge = PdfReader(io.BytesIO(cups_queues.film_output(film.json()["printer_job"]).read_bytes()))
    image = wedge.pages[0].images[0].image
    assert image is not None
    row = [int(v) for v in np.asarray(image.convert("L"))[0]]
    assert len(set(row)) == 11 and row[0] == 0 and row[-1] == 255  # eleven grey steps

    assert call(base, "POST", "/ops/test-page", OPERATE, {"printer": "fax"}).status_code == 404
    actions = [(a, act, d["status"]) for a, act, _, d in audit_rows(kiosk)]
    assert actions == [
        ("operator:wang", "remote.supply.loaded", 200),
        ("operator:wang", "remote.supply.loaded", 400),
        ("operator:wang", "remote.supply.loaded", 400),
        ("operator:wang", "remote.test_page", 200),
        ("operator:wang", "remote.test_page", 200),
        ("operator:wang", "remote.test_page", 404),
    ]


@pytest.mark.allow_error_logs  # the traceback it logs on purpose
def test_the_log_bundle_holds_the_last_hours_without_debug_lines(
    base: str, kiosk: Kiosk, tmp_path: Path
) -> None:
    logger = logging.getLogger("kiosk_app.test_ops")
    logger.info("visit started for %s", patient_ref("110101199003077733"))
    logger.debug("looked up patient 110101199003077733 named 张三")
    try:
        raise RuntimeError("printer said no")
    except RuntimeError:
        logger.exception("a failure with its traceback")
    for handler in logging.getLogger().handlers:
        handler.flush()
    old = tmp_path / "log" / "kiosk.log.1"  # a rotated file with a record from two days ago
    old.write_text("2001-01-01 10:00:00,000 INFO    kiosk_app.x: from long ago\n")

    answer = call(base, "GET", "/ops/logs?hours=2", OPERATE)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(answer.content), mode="r:gz") as tar:
        names = tar.getnames()
        text = tar.extractfile("kiosk-ops-logs/kiosk.log").read().decode()  # type: ignore[union-attr]
        manifest = json.load(tar.extractfile("kiosk-ops-logs/manifest.json"))  # type: ignore[arg-type]
    assert names == ["kiosk-ops-logs/kiosk.log", "kiosk-ops-logs/manifest.json"]
    assert f"visit started for {patient_ref('110101199003077733')}" in text
    assert "Traceback" in text and "RuntimeError: printer said no" in text
    assert "110101199003077733" not in text and "张三" not in text
    assert "from long ago" not in text
    assert manifest["hours"] == 2 and manifest["debug_records_left_out"] >= 1
    assert call(base, "GET", "/ops/logs?hours=500", OPERATE).status_code == 400
    assert call(base, "GET", "/ops/logs?hours=x", OPERATE).status_code == 400
    size = f"{len(answer.content)} bytes"
    assert audit_rows(kiosk)[0][3] == {
        "source": "127.0.0.1", "outcome": "accepted", "status": 200, "reason": size
    }  # fmt: skip


def test_the_self_test_runs_on_the_real_printers(base: str, kiosk: Kiosk) -> None:
    answer = call(base, "POST", "/ops/selftest", OPERATE)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["schema"] == "kiosk-selftest/1" and report["kiosk_id"] == "kiosk-ops"
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["film_printer"]["level"] in ("ok", "warn")
    assert checks["report_printer"]["level"] in ("ok", "warn")


def test_calls_beyond_the_rate_are_refused_and_audited_once(
    tmp_path: Path, services_env: dict[str, str], cups_queues: CupsQueues
) -> None:
    kiosk = build(
        load(None, env=kiosk_env(tmp_path, services_env, KIOSK_HEALTH__OPS_PER_MINUTE="5"))
    )
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    base = f"http://127.0.0.1:{endpoint.server.port}"
    try:
        codes = [call(base, "GET", "/ops/jobs", OPERATE).status_code for _ in range(5)]
        codes += [call(base, "GET", "/ops/jobs", f"guess-{i}").status_code for i in range(20)]
        assert codes == [200] * 5 + [429] * 20
        # A token-guesser is slowed on /status too, while the scraper's token still reads.
        assert call(base, "GET", "/status", "guess").status_code == 429
        assert call(base, "GET", "/status", READ).status_code == 200
        rows = audit_rows(kiosk)
        assert [d["status"] for *_, d in rows] == [200] * 5 + [429]
        assert rows[-1][3]["reason"] == "rate limited"
    finally:
        endpoint.stop()
        kiosk.close()


def test_operator_certificates_signed_by_the_centre_operate_over_https(
    tmp_path: Path, services_env: dict[str, str], cups_queues: CupsQueues
) -> None:
    centre, rogue = Authority(tmp_path, "centre"), Authority(tmp_path, "rogue")
    server = centre.issue("kiosk-ops", server=True)
    operator, stranger = centre.issue("noc-li", server=False), rogue.issue("noc-li", server=False)
    env = kiosk_env(
        tmp_path / "data",
        services_env,
        KIOSK_HEALTH__TLS_CERT=str(server.cert),
        KIOSK_HEALTH__TLS_KEY=str(server.key),
        KIOSK_HEALTH__CLIENT_CA=str(centre.path),
        KIOSK_HEALTH__OPERATORS="",
    )
    kiosk = build(load(None, env=env))
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    base = f"https://127.0.0.1:{endpoint.server.port}"

    def https(path: str, cert: Any = None, token: str | None = None) -> requests.Response:
        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return session.get(
            base + path, headers=headers, cert=cert, verify=str(centre.path), timeout=20
        )

    try:
        with_cert = https("/ops/jobs", cert=(str(operator.cert), str(operator.key)))
        assert with_cert.status_code == 200 and with_cert.json() == {"jobs": []}
        assert https("/status", token=READ).status_code == 200  # a scraper needs no certificate
        assert https("/ops/jobs", token=READ).status_code == 403
        with pytest.raises(requests.exceptions.SSLError):
            https("/ops/jobs", cert=(str(stranger.cert), str(stranger.key)))
        assert [(a, d["status"]) for a, _, _, d in audit_rows(kiosk)] == [
            ("cert:noc-li", 200),
            ("read", 403),
        ]
    finally:
        endpoint.stop()
        kiosk.close()


def test_a_restart_from_afar_ends_the_program_for_systemd_to_start_again(
    tmp_path: Path, services_env: dict[str, str], cups_queues: CupsQueues
) -> None:
    env = {
        **os.environ,
        **kiosk_env(tmp_path, services_env),
        "PYTHONPATH": str(REPO),
        "KIOSK_CONFIG": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "health-server"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = iter(proc.stdout.readline, "")
        line = next((ln for ln in lines if ln.startswith("health endpoint on ")), "")
        assert line, "the health server did not say where it listens"
        base = "http://" + line.split()[-1]
        answer = call(base, "POST", "/ops/restart", OPERATE)
        assert answer.status_code == 202 and answer.json()["when"] == "now"
        assert proc.wait(20) == EXIT_RESTART
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
    store_rows = _audit_file_rows(tmp_path)
    assert ("operator:wang", "remote.restart") in store_rows


def _audit_file_rows(data_dir: Path) -> list[tuple[str, str]]:
    from kiosk_app.store import Store

    store = Store.open(data_dir / "kiosk.db")
    try:
        with store.session() as session:
            assert audit.verify(session).intact  # the remote calls' rows are in the chain
            return [(r.actor, r.action) for r in AuditRepository(session).recent(50)]
    finally:
        store.close()


def test_a_refused_call_leaves_the_keep_alive_connection_usable(tmp_path: Path) -> None:
    """The body of a refused POST is read all the same: left in the stream, it would be parsed
    as the next request on the connection (a demo kiosk: no shared server involved)."""
    env = {
        "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
        "KIOSK_HEALTH__PORT": "0",
        "KIOSK_HEALTH__TOKEN": READ,
        "KIOSK_HEALTH__OPERATORS": token_entry("wang", OPERATE),
    }
    kiosk = build(load(None, demo=True, env=env))
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    base = f"http://127.0.0.1:{endpoint.server.port}"
    session = requests.Session()
    session.trust_env = False
    body = {"printer": "film", "media": "14INX17IN", "count": 100}
    try:
        for token, status in ((READ, 403), (None, 401), ("wrong", 401)):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            refused = session.post(base + "/ops/supplies", json=body, headers=headers, timeout=10)
            assert refused.status_code == status
            after = session.get(
                base + "/ops/jobs", headers={"Authorization": f"Bearer {OPERATE}"}, timeout=10
            )
            assert after.status_code == 200 and after.json() == {"jobs": []}
        big = session.post(
            base + "/ops/supplies",
            data=b"{" + b" " * (64 * 1024) + b"}",
            headers={"Authorization": f"Bearer {OPERATE}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert big.status_code == 413
        # its body was not read, so the connection ends, and the answer says so: a client
        # that took it for reusable would send its next request into a closing socket
        assert big.headers["Connection"] == "close"
        operator = {"Authorization": f"Bearer {OPERATE}"}
        garbled = session.post(base + "/ops/supplies", data=b"{not", headers=operator, timeout=10)
        assert garbled.status_code == 400 and "bad request" in garbled.json()["error"]
        not_allowed = session.post(base + "/status", data=b"x" * 100, timeout=10)
        assert not_allowed.status_code == 405 and not_allowed.headers["Connection"] == "close"
        assert session.get(base + "/healthz", timeout=10).text == "ok\n"
    finally:
        endpoint.stop()
        kiosk.close()
