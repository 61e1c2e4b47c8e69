"""A jam on the real fault-simulating CUPS queue, as the monitoring centre sees it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests

from drivers.base import FilmSheet
from kiosk_app.app import Kiosk, build
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.health.server import METRICS_MAX_AGE
from kiosk_app.settings import load

pytestmark = pytest.mark.integration

TOKEN = "jam-test-token"
POLL = 0.5


@pytest.fixture
def kiosk(tmp_path: Path, services_env: dict[str, str]) -> Iterator[Kiosk]:
    settings = load(
        None,
        env={
            "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
            "KIOSK_CLOUD__KIND": "local",
            "KIOSK_PRINTERS__CUPS_SERVER": services_env["CUPS_SERVER"],
            "KIOSK_PRINTERS__REPORT__QUEUE": services_env["KIOSK_PDF_QUEUE"],
            "KIOSK_PRINTERS__FILM__QUEUE": services_env["KIOSK_FILM_QUEUE"],
            "KIOSK_HEALTH__PORT": "0",
            "KIOSK_HEALTH__TOKEN": TOKEN,
            "KIOSK_HEALTH__POLL_INTERVAL": str(POLL),
        },
    )
    k = build(settings)
    yield k
    k.close()


def wait_for(condition, timeout: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


def test_a_jam_reaches_status_and_metrics_and_clears(kiosk: Kiosk, cups_queues) -> None:  # type: ignore[no-untyped-def]
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    base = f"http://127.0.0.1:{endpoint.server.port}"
    http = requests.Session()
    http.trust_env = False
    http.headers["Authorization"] = f"Bearer {TOKEN}"

    def film_reasons() -> list[str] | None:
        status = http.get(base + "/status", timeout=5).json()
        film = status["components"].get("film_printer")  # absent until the first poll
        return None if film is None else list(film["reasons"])

    def jam_metric() -> bool:
        text = http.get(base + "/metrics", timeout=5).text
        return 'reason="media-jam-error"' in text and "kiosk_printer_reason{" in text

    try:
        wait_for(lambda: film_reasons() == [], 5 * POLL + 5)  # first snapshot, no fault
        cups_queues.set_film_fault("jam")
        sheet = FilmSheet(np.full((100, 80), 128, np.uint8), "8INX10IN", 10)
        kiosk.film_printer.submit_sheets([sheet], "jam-test")
        # Once CUPS itself reports the jam, the endpoint must say so within a poll interval.
        cups = cups_queues.connection()

        def cups_reasons() -> list[str]:
            attrs = cups.getPrinterAttributes(
                cups_queues.film_queue, requested_attributes=["printer-state-reasons"]
            )
            return list(attrs["printer-state-reasons"])

        wait_for(lambda: "media-jam-error" in cups_reasons(), 20)
        wait_for(lambda: "media-jam-error" in (film_reasons() or []), POLL + 1)
        assert wait_for(jam_metric, POLL + METRICS_MAX_AGE + 1)
        status = http.get(base + "/status", timeout=5).json()
        assert status["level"] == "red"
        assert any(
            c["component"] == "film_printer" and c["reason"] == "media-jam-error"
            for c in status["conditions"]
        )
        cups_queues.set_film_fault("ok")
        wait_for(lambda: "media-jam-error" not in cups_reasons(), 20)
        wait_for(lambda: "media-jam-error" not in (film_reasons() or []), POLL + 1)
        assert wait_for(lambda: not jam_metric(), POLL + METRICS_MAX_AGE + 1)
        assert (
            'kiosk_printer_jams_total{component="film_printer"} 1.0'
            in http.get(base + "/metrics", timeout=5).text
        )
    finally:
        endpoint.stop()
