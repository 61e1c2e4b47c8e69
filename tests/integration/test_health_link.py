"""Heartbeats carry the status through the outbox; the cache's hit rate reaches /metrics."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pydicom
import pytest
import requests
from pydicom.data import get_testdata_file

from kiosk_app.app import Kiosk, build
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.settings import load
from tests.helpers.dicom_builders import image_series

pytestmark = pytest.mark.integration
TOKEN = "link-test"


class Receiver(ThreadingHTTPServer):
    """The monitoring centre's event receiver, on loopback."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.events.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def kiosk(tmp_path: Path, services_env, orthanc, receiver: Receiver) -> Iterator[Kiosk]:  # type: ignore[no-untyped-def]
    settings = load(
        None,
        env={
            "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
            "KIOSK_CLOUD__URL": services_env["ORTHANC_DICOMWEB"],
            "KIOSK_CLOUD__USERNAME": services_env["ORTHANC_USER"],
            "KIOSK_CLOUD__PASSWORD": services_env["ORTHANC_PASSWORD"],
            "KIOSK_PRINTERS__REPORT__BACKEND": "folder",
            "KIOSK_PRINTERS__FILM__BACKEND": "folder",
            "KIOSK_FILM__DPI": "50",
            "KIOSK_HEALTH__PORT": "0",
            "KIOSK_HEALTH__TOKEN": TOKEN,
            "KIOSK_HEALTH__POLL_INTERVAL": "0.3",
            "KIOSK_OUTBOX__URL": f"http://127.0.0.1:{receiver.server_address[1]}/events",
            "KIOSK_OUTBOX__INTERVAL": "0.2",
            "KIOSK_OUTBOX__HEARTBEAT_INTERVAL": "1",
            "KIOSK_PREFETCH__ENABLED": "false",
        },
    )
    k = build(settings)
    yield k
    k.close()


def test_heartbeats_carry_the_status_and_cache_lookups_are_counted(  # type: ignore[no-untyped-def]
    kiosk: Kiosk, orthanc, receiver: Receiver
) -> None:
    uid = pydicom.uid.generate_uid()
    for ds in image_series(
        get_testdata_file("CT_small.dcm", download=False),
        n=2,
        patient_id="LINK01",
        patient_name="Link^Test",
        accession="LINKACC1",
        study_uid=uid,
    ):
        orthanc.upload(ds)
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    kiosk.start_background()
    try:
        first = kiosk.visit.print_code("LINKACC1")  # images fetched: cache misses
        assert [i.state.value for i in first.items if i.kind.value == "film"] == ["delivered"]
        deadline = time.monotonic() + 15
        beats: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not beats:
            beats = [
                e
                for e in receiver.events
                if e.get("kind") == "heartbeat"
                and "film_printer" in e.get("payload", {}).get("status", {}).get("components", {})
            ]
            time.sleep(0.1)
        assert beats, receiver.events
        status = beats[-1]["payload"]["status"]
        assert status["schema"] == "kiosk-status/1"
        assert status["kiosk_id"] == "kiosk-01"
        assert "film_printer" in status["components"]
        # the delivery itself reached the receiver too, once
        deliveries = [e for e in receiver.events if "deliver" in str(e.get("kind"))]
        assert deliveries
        assert endpoint.server is not None
        http = requests.Session()
        http.trust_env = False
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        time.sleep(1.5)  # a poll and the metrics cache
        text = http.get(f"http://127.0.0.1:{endpoint.server.port}/metrics", timeout=5).text
        misses = re.search(
            r'^kiosk_cache_instance_lookups_total\{result="miss"\} (\S+)$', text, re.M
        )
        assert misses is not None and float(misses.group(1)) >= 2
        assert re.search(r"^kiosk_outbox_pending \S+$", text, re.M)
    finally:
        endpoint.stop()
