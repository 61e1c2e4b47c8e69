"""The outbox across a SIGKILL: ``kiosk print`` delivers, its events are committed with the
ledger, the kiosk is killed while the receiver holds the first event unanswered, and after a
restart the receiver has recorded every event exactly once (by idempotency key)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.e2e.test_offline_print import write_config
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.helpers.services import wait_until
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


class Receiver:
    """Records POSTed events; de-duplicates by Idempotency-Key as a real receiver must."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []  # (key, kind) of every request, duplicates too
        self.recorded: dict[str, dict[str, object]] = {}
        self.hang_first = True
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                assert key == body["id"]
                receiver.posts.append((key, body["kind"]))
                receiver.recorded.setdefault(key, body)
                if receiver.hang_first:
                    receiver.hang_first = False
                    receiver.release.wait(60)  # the kiosk is killed while it waits here
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def seeded(orthanc):  # type: ignore[no-untyped-def]
    uid = pydicom.uid.generate_uid()
    common = dict(patient_id="OBX0001", patient_name="Out^Box", accession="OBXACC1", study_uid=uid)
    for ds in image_series(get_testdata_file("CT_small.dcm", download=False), n=2, **common):
        orthanc.upload(ds)
    orthanc.upload(make_encapsulated_pdf(report_pdf("outbox report"), **common))
    return uid


def outbox_rows(tmp_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "data" / "kiosk.db") as db:
        return db.execute("SELECT idempotency_key, kind, state FROM outbox ORDER BY id").fetchall()


def test_sigkill_before_the_event_is_acknowledged_then_restart(  # type: ignore[no-untyped-def]
    seeded, services_env, receiver: Receiver, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, services_env, "[outbox]", f'url = "{receiver.url}"', "flush_timeout = 30"
    )
    command = [sys.executable, "-m", "kiosk_app", "print", "OBXACC1", "--config", str(config)]
    env = {**os.environ, "KIOSK_CONFIG": ""}
    first = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_until(lambda: receiver.posts, 120, "the first event to reach the receiver")
        # The state change is committed; its event has reached the receiver but is not
        # acknowledged: kill the kiosk right here.
        rows = outbox_rows(tmp_path)
        # the deliveries, and the copies of the audit rows the jobs wrote (issue 17)
        assert {kind for _k, kind, _s in rows} == {"item.delivered", "audit.recorded"}
        assert len([r for r in rows if r[1] == "item.delivered"]) == 2
        assert {s for _k, _kind, s in rows} == {"pending"}
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    with sqlite3.connect(tmp_path / "data" / "kiosk.db") as db:
        delivered = db.execute("SELECT count(*) FROM ledger").fetchone()[0]
    assert delivered == 2

    # Restart: a second visit prints nothing (already printed) and sends what is pending.
    second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "Nothing new was printed" in second.stdout

    keys = [k for k, _kind, _s in outbox_rows(tmp_path)]
    assert {s for _k, _kind, s in outbox_rows(tmp_path)} == {"sent"}
    assert set(receiver.recorded) == set(keys)  # every event recorded, once per key
    deliveries = [b for b in receiver.recorded.values() if b["kind"] == "item.delivered"]
    assert len(deliveries) == delivered == 2
    hung = receiver.posts[0][0]
    assert [k for k, _ in receiver.posts].count(hung) == 2  # sent again after the restart...
    assert sorted(b["payload"]["kind"] for b in deliveries) == ["film", "report"]  # type: ignore[index]
