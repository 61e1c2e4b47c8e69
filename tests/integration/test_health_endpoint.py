"""The health endpoint served over loopback, scraped as the monitoring centre would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk_app.app import Kiosk, build
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.settings import load

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "installer" / "monitoring"
TOKEN = "s3cret-token"


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("promtool missing: scripts/setup.sh installs it")
        pytest.skip("promtool not installed (scripts/setup.sh installs it)")
    return path


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    settings = load(
        None,
        demo=True,
        env={
            "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
            "KIOSK_HEALTH__PORT": "0",
            "KIOSK_HEALTH__TOKEN": TOKEN,
            "KIOSK_FILM__DPI": "50",
        },
    )
    k = build(settings)
    yield k
    k.close()


@pytest.fixture
def endpoint(kiosk: Kiosk) -> Iterator[str]:
    ep = HealthEndpoint.for_kiosk(kiosk)
    ep.monitor.poll()
    ep.start()
    assert ep.server is not None
    yield f"http://127.0.0.1:{ep.server.port}"
    ep.stop()


def get(url: str, token: str | None = TOKEN) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.get(url, headers=headers, timeout=10)


def test_liveness_is_open_and_the_rest_needs_the_token(endpoint: str) -> None:
    assert get(endpoint + "/healthz", token=None).text == "ok\n"
    for path in ("/status", "/metrics"):
        assert get(endpoint + path, token=None).status_code == 401
        assert get(endpoint + path, token="wrong").status_code == 401
        assert get(endpoint + path).status_code == 200
    assert get(endpoint + "/nothing").status_code == 404


def test_the_endpoint_is_read_only(endpoint: str) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.post(
        endpoint + "/status", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD"


def test_status_is_the_documented_snapshot(endpoint: str) -> None:
    status = get(endpoint + "/status").json()
    assert status["schema"] == "kiosk-status/1"
    assert status["level"] in ("green", "yellow", "orange", "red")
    assert set(status["components"]) >= {
        "report_printer",
        "film_printer",
        "cloud",
        "queue",
        "system",
    }
    assert status["components"]["film_printer"]["state"] == "idle"
    assert "disk_free_bytes" in status["components"]["system"]


def test_metrics_pass_promtool_and_count_what_was_printed(endpoint: str, kiosk: Kiosk) -> None:
    summary = kiosk.visit.print_code("DEMO0001")
    assert len(summary.delivered) == 2
    text = get(endpoint + "/metrics").text
    check = subprocess.run(
        [promtool(), "check", "metrics"], input=text, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(
        r'^kiosk_items_printed_total\{kind="film",media="14INX17IN",printer="demo-film"\} 1\.0$',
        text,
        re.M,
    )
    assert re.search(
        r'^kiosk_units_printed_total\{kind="report",media="A4",printer="demo-reports"\} 1\.0$',
        text,
        re.M,
    )
    assert re.search(r"^kiosk_patients_served_total 1\.0$", text, re.M)
    assert re.search(
        r'^kiosk_build_info\{kiosk_id="kiosk-01",version="[0-9.]+"\} 1\.0$', text, re.M
    )
    assert re.search(r'^kiosk_printer_up\{printer="demo-film",role="film"\} 1\.0$', text, re.M)


def test_rules_and_dashboard_use_only_metrics_the_kiosk_exposes(endpoint: str) -> None:
    exposed = {
        m.group(1)
        for m in re.finditer(r"^# TYPE (\S+) (\S+)", get(endpoint + "/metrics").text, re.M)
    }
    names = set(exposed)
    for name in exposed:  # counters and histograms are queried by their sample names
        names |= {name + "_total", name + "_bucket", name + "_sum", name + "_count", name + "_info"}
    names |= {"up", "ALERTS"}
    rules = (MONITORING / "kiosk-rules.yml").read_text()
    dashboard = json.loads((MONITORING / "grafana-kiosk-fleet.json").read_text())
    exprs = re.findall(r"expr: (.+(?:\n\s{12,}.+)*)", rules)
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    recorded = set(re.findall(r"record: (\S+)", rules))
    used = set()
    for expr in exprs:
        # drop grouping clauses and label matchers: what is left names only series
        bare = re.sub(r"\b(?:by|on|without|ignoring)\s*\([^)]*\)|\{[^}]*\}", " ", expr)
        used |= set(re.findall(r"\b(kiosk_[a-z_]+|up)\b", bare))
    assert len(used) >= 10, f"too few metric names found in the rules: {used}"
    assert used - names - recorded == set()


def test_rules_pass_promtool() -> None:
    tool = promtool()
    check = subprocess.run(
        [tool, "check", "rules", str(MONITORING / "kiosk-rules.yml")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run(
        [tool, "test", "rules", "kiosk-rules.test.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_a_snapshot_too_old_is_unknown_not_green(kiosk: Kiosk) -> None:
    now = [100.0]
    ep = HealthEndpoint.for_kiosk(kiosk, serve=False)
    ep.monitor.clock = lambda: now[0]
    ep.monitor.poll()
    fresh = ep.monitor.current().to_json()
    # green, or yellow where the machine itself is busy ("CPU overloaded" under a CI run);
    # never a condition that says the status is unknown
    assert fresh["level"] in ("green", "yellow"), fresh["conditions"]
    assert not [c for c in fresh["conditions"] if c["reason"].startswith("unknown")]
    now[0] += ep.monitor.stale_after + 1
    stale = ep.monitor.current().to_json()
    assert stale["level"] == "orange"
    assert any(c["reason"].startswith("unknown: status is") for c in stale["conditions"])


def test_film_left_is_counted_down_and_reported_low(endpoint: str, kiosk: Kiosk) -> None:
    assert kiosk.maintenance is not None
    kiosk.maintenance.record_loaded("demo-film", "14INX17IN", 20, "nurse-7")
    summary = kiosk.visit.print_code("DEMO0003")  # one sheet
    assert [i.state.value for i in summary.items if i.kind.value == "film"] == ["delivered"]
    text = get(endpoint + "/metrics").text
    assert re.search(
        r'^kiosk_media_remaining\{media="14INX17IN",printer="demo-film"\} 19\.0$', text, re.M
    ), text
    assert re.search(
        r'^kiosk_media_loaded\{media="14INX17IN",printer="demo-film"\} 20\.0$', text, re.M
    )
    # the snapshot is polled: take one now rather than wait for the interval
    from kiosk_app.health.endpoint import HealthEndpoint as Endpoint

    snapshot = Endpoint.for_kiosk(kiosk, serve=False).monitor.poll().to_json()
    assert {
        "component": "consumables",
        "level": "yellow",
        "reason": "14INX17IN low on demo-film: 19 left",
    } in snapshot["conditions"]
