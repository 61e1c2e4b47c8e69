"""A fleet of ten kiosks watched by Debian's real Prometheus and Alertmanager, all on loopback.

Ten ``kiosk health-server`` processes (each its own data dir and port) are scraped every second
by Prometheus, which evaluates a copy of installer/monitoring/kiosk-rules.yml whose ``for:`` are
one second (the real durations are covered by promtool's unit tests) and sends to Alertmanager
running a copy of installer/monitoring/alertmanager.yml whose WeChat Work API and SMS gateway
point at a small HTTP server here, with one-second group timers. Nine kiosks print films into a
folder; one prints on the jamsim CUPS queue, which is jammed: the operations centre's SMS gateway
and WeChat Work must hear of that kiosk's jam, and of nothing else, then of its clearing. Last,
the inhibition amtool cannot test: a printer alert of a kiosk that is down is not sent.

Nothing listens on or sends to anything but 127.0.0.1: Alertmanager's gossip is off
(``--cluster.listen-address=``), every listener is checked with ``ss``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.helpers.services import CupsQueues, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "installer" / "monitoring"
KIOSKS = 10
JAMMED = 3  # the index of the kiosk whose film printer is the jamsim queue
TOKEN = "fleet-scrape-token"
WECHAT_TOKEN = "wechat-access-token"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} missing: scripts/setup.sh installs it")
        pytest.skip(f"{name} not installed (scripts/setup.sh installs it)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIOSK_")
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


# ------------------------------------------------------------------- the centre's receivers
@dataclass
class Received:
    """Notifications as the SMS gateway (webhook JSON) and WeChat Work (text) got them."""

    sms: list[dict[str, Any]] = field(default_factory=list)
    wechat: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sms_alerts(self) -> list[tuple[float, str, dict[str, str]]]:
        """(time received, status, labels) of each alert in each webhook notification."""
        with self.lock:
            return [(n["_t"], a["status"], a["labels"]) for n in self.sms for a in n["alerts"]]


def serve_receivers(received: Received) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # WeChat Work: the access token for corp id and secret
            url = urlsplit(self.path)
            assert url.path == "/wechat/gettoken", url.path
            with received.lock:
                received.token_requests.append(parse_qs(url.query))
            self.reply({"errcode": 0, "errmsg": "ok", "access_token": WECHAT_TOKEN})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body["_t"] = time.monotonic()
            with received.lock:
                if url.path == "/sms":
                    body["_auth"] = self.headers.get("Authorization")
                    received.sms.append(body)
                elif url.path == "/wechat/message/send":
                    body["_query"] = parse_qs(url.query)
                    received.wechat.append(body)
            self.reply({"errcode": 0, "errmsg": "ok"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ------------------------------------------------------------------------------ processes
@dataclass
class Fleet:
    kiosks: list[str]  # "127.0.0.1:PORT", index = kiosk number - 1
    prometheus: str
    alertmanager: str
    received: Received
    pids: list[int]


def start_kiosk(n: int, data_dir: Path, services_env: dict[str, str]) -> subprocess.Popen[str]:
    env = child_env(
        KIOSK_KIOSK__ID=f"kiosk-{n + 1:02d}",
        KIOSK_KIOSK__DATA_DIR=str(data_dir),
        KIOSK_CLOUD__KIND="local",
        KIOSK_PRINTERS__REPORT__BACKEND="folder",
        KIOSK_HEALTH__BIND="127.0.0.1",
        KIOSK_HEALTH__PORT="0",
        KIOSK_HEALTH__TOKEN=TOKEN,
        KIOSK_HEALTH__POLL_INTERVAL="0.5",
    )
    if n == JAMMED:
        env["KIOSK_PRINTERS__CUPS_SERVER"] = services_env["CUPS_SERVER"]
        env["KIOSK_PRINTERS__FILM__QUEUE"] = services_env["KIOSK_FILM_QUEUE"]
    else:
        env["KIOSK_PRINTERS__FILM__BACKEND"] = "folder"
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "health-server"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=data_dir,
    )


def read_address(process: subprocess.Popen[str], timeout: float = 30) -> str:
    found: list[str] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    match = re.match(r"health endpoint on (127\.0\.0\.1:\d+)", found[0] if found else "")
    assert match, f"kiosk health-server did not start: {found!r}, exit {process.poll()}"
    return match.group(1)


def write_prometheus_config(scrape_targets: list[str], am_port: int, folder: Path) -> Path:
    """prometheus-scrape.yml and kiosk-rules.yml with one-second timings and these targets."""
    rules = re.sub(r"^(\s+for:) \S+$", r"\1 1s", (MONITORING / "kiosk-rules.yml").read_text(),
                   flags=re.M)  # fmt: skip
    (folder / "kiosk-rules.yml").write_text(rules)
    (folder / "kiosk-token").write_text(TOKEN + "\n")
    scrape = (MONITORING / "prometheus-scrape.yml").read_text()
    for old, new in [
        ("scrape_configs:", "global: {scrape_interval: 1s, evaluation_interval: 1s, "
                            "scrape_timeout: 1s}\nalerting:\n  alertmanagers:\n"
                            f"    - static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]\n"
                            "scrape_configs:"),
        ("scrape_interval: 30s", "scrape_interval: 1s"),
        ("/etc/prometheus/kiosk-token", str(folder / "kiosk-token")),
        ('["kiosk-radiology-1f:8470", "kiosk-radiology-2f:8470"]', json.dumps(scrape_targets)),
        ("/etc/prometheus/rules/kiosk-rules.yml", str(folder / "kiosk-rules.yml")),
    ]:  # fmt: skip
        assert scrape.count(old) == 1, old
        scrape = scrape.replace(old, new)
    config = folder / "prometheus.yml"
    config.write_text(scrape)
    return config


def write_alertmanager_config(receivers: str, folder: Path) -> Path:
    """alertmanager.yml filled in as an installer would, its receivers here, timers 1 s."""
    text = (MONITORING / "alertmanager.yml").read_text()
    for old, new in [
        ("https://qyapi.weixin.qq.com/cgi-bin/", f"http://{receivers}/wechat/"),
        ("https://sms-gateway.invalid/kiosk-alerts", f"http://{receivers}/sms"),
        ("@@WECHAT_CORP_ID@@", "ww-test-corp"),
        ("@@WECHAT_API_SECRET@@", "wechat-secret"),
        ("@@WECHAT_AGENT_ID@@", "1000002"),
        ("@@WECHAT_OPS_PARTY@@", "2"),
        ("@@WECHAT_DIGEST_PARTY@@", "9"),
        ("@@SMS_GATEWAY_TOKEN@@", "gateway-token"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    text = re.sub(r"(group_wait|group_interval): \S+", r"\1: 1s", text)
    assert "@@" not in text and "https://" not in text
    (folder / "alertmanager.yml").write_text(text)
    shutil.copy(MONITORING / "kiosk-alerts.tmpl", folder)
    return folder / "alertmanager.yml"


def listeners(pid: int) -> list[str]:
    """The local addresses of the TCP and UDP sockets ``pid`` listens on (gossip is both)."""
    out = subprocess.run(["ss", "-Hltunp"], capture_output=True, text=True, check=True).stdout
    return [line.split()[4] for line in out.splitlines() if f"pid={pid}," in line]


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture
def fleet(services_env: dict[str, str], cups_queues: CupsQueues) -> Iterator[Fleet]:
    prometheus, alertmanager = tool("prometheus"), tool("prometheus-alertmanager")
    tool("ss")
    processes: list[subprocess.Popen[Any]] = []
    received = Received()
    receivers = serve_receivers(received)
    with tempfile.TemporaryDirectory(prefix="kiosk-fleet-") as tmp:
        root = Path(tmp)
        try:
            for n in range(KIOSKS):
                (root / f"kiosk-{n + 1:02d}").mkdir()
                processes.append(start_kiosk(n, root / f"kiosk-{n + 1:02d}", services_env))
            kiosks = [read_address(p) for p in processes]
            am_port, prom_port = free_port(), free_port()
            am_config = write_alertmanager_config(f"127.0.0.1:{receivers.server_port}", root)
            (root / "am-data").mkdir()
            processes.append(subprocess.Popen(
                [alertmanager, f"--config.file={am_config}", f"--storage.path={root / 'am-data'}",
                 f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=",
                 "--log.level=warn"],
                env=child_env(), stdout=subprocess.DEVNULL, stderr=(root / "am.log").open("w"),
            ))  # fmt: skip
            prom_config = write_prometheus_config(kiosks, am_port, root)
            (root / "prom-data").mkdir()
            processes.append(subprocess.Popen(
                [prometheus, f"--config.file={prom_config}",
                 f"--storage.tsdb.path={root / 'prom-data'}",
                 f"--web.listen-address=127.0.0.1:{prom_port}",
                 "--rules.alert.resend-delay=1s", "--log.level=warn"],
                env=child_env(), stdout=subprocess.DEVNULL,
                stderr=(root / "prometheus.log").open("w"),
            ))  # fmt: skip
            yield Fleet(
                kiosks=kiosks,
                prometheus=f"http://127.0.0.1:{prom_port}",
                alertmanager=f"http://127.0.0.1:{am_port}",
                received=received,
                pids=[p.pid for p in processes],
            )
        finally:
            for log in ("am.log", "prometheus.log"):  # shown with a failure
                if (root / log).exists():
                    print(f"--- {log}\n" + (root / log).read_text()[-3000:])
            for p in processes:
                p.terminate()
            for p in processes:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            receivers.shutdown()
            receivers.server_close()


def test_a_jam_on_one_kiosk_of_ten_reaches_the_sms_gateway_and_wechat_and_resolves(
    fleet: Fleet, cups_queues: CupsQueues
) -> None:
    started = time.monotonic()
    session = http()

    def all_targets_up() -> bool:
        try:
            targets = session.get(fleet.prometheus + "/api/v1/targets", timeout=5).json()
        except requests.RequestException:
            return False
        active = targets["data"]["activeTargets"]
        return len(active) == KIOSKS and all(t["health"] == "up" for t in active)

    wait_until(all_targets_up, 30, "Prometheus to scrape the ten kiosks")
    wait_until(
        lambda: session.get(fleet.alertmanager + "/-/ready", timeout=5).ok, 30, "Alertmanager"
    )
    for pid in fleet.pids:
        for address in listeners(pid):
            assert address.startswith("127.0.0.1:"), f"pid {pid} listens on {address}"
    # Alertmanager and Prometheus (the last two) on their web port only: no gossip.
    assert listeners(fleet.pids[-2]) == [fleet.alertmanager.removeprefix("http://")]
    assert listeners(fleet.pids[-1]) == [fleet.prometheus.removeprefix("http://")]
    time.sleep(3)  # some evaluations of a healthy fleet: nothing may fire
    assert (
        session.get(fleet.prometheus + "/api/v1/alerts", timeout=5).json()["data"]["alerts"] == []
    )

    jammed = fleet.kiosks[JAMMED]
    cups_queues.set_film_fault("jam")
    connection = cups_queues.connection()
    with tempfile.NamedTemporaryFile(suffix=".txt") as sheet:
        sheet.write(b"fleet test sheet\n")
        sheet.flush()
        connection.printFile(cups_queues.film_queue, sheet.name, "fleet-jam", {})
    jam_at = time.monotonic()

    def jam_sms() -> list[dict[str, str]]:
        return [
            labels
            for _, status, labels in fleet.received.sms_alerts()
            if status == "firing" and labels["alertname"] == "KioskPrinterError"
        ]

    (alert,) = wait_until(jam_sms, 45, "the jam to reach the SMS gateway")
    sms_after = time.monotonic() - jam_at
    assert alert["instance"] == jammed
    assert alert["level"] == "red" and alert["severity"] == "critical"
    assert alert["reason"] == "media-jam-error"
    assert alert["role"] == "film" and alert["printer"] == cups_queues.film_queue
    assert fleet.received.sms[0]["_auth"] == "Bearer gateway-token"
    assert fleet.received.sms[0]["groupLabels"] == {"instance": jammed}

    def jam_wechat() -> list[dict[str, Any]]:
        with fleet.received.lock:
            return [m for m in fleet.received.wechat if "media-jam-error" in m["text"]["content"]]

    message = wait_until(jam_wechat, 15, "the jam to reach WeChat Work")[0]
    assert message["agentid"] == "1000002" and message["toparty"] == "2"
    assert message["msgtype"] == "text" and message["_query"]["access_token"] == [WECHAT_TOKEN]
    content = message["text"]["content"]
    assert content.startswith("【告警 ALERT】红色 red · 自助机 Kiosk " + jammed), content
    assert "打印机故障 / KioskPrinterError" in content
    assert f"打印机 Printer: {cups_queues.film_queue} (film)" in content
    assert "处理 Action: Ask the ward's nurse to clear it" in content
    assert fleet.received.token_requests[0]["corpid"] == ["ww-test-corp"]

    cups_queues.set_film_fault("ok")
    cleared_at = time.monotonic()

    def resolved_sms() -> list[dict[str, str]]:
        return [
            labels
            for _, status, labels in fleet.received.sms_alerts()
            if status == "resolved" and labels["alertname"] == "KioskPrinterError"
        ]

    (resolved,) = wait_until(resolved_sms, 45, "the jam's resolution at the SMS gateway")
    resolved_after = time.monotonic() - cleared_at
    assert resolved["instance"] == jammed
    wait_until(
        lambda: any("【恢复 RESOLVED】" in m["text"]["content"] for m in jam_wechat()),
        15,
        "the resolution in WeChat Work",
    )
    # Only the jammed kiosk was ever reported, by either path.
    assert {labels["instance"] for _, _, labels in fleet.received.sms_alerts()} == {jammed}
    with fleet.received.lock:
        for m in fleet.received.wechat:
            assert jammed in m["text"]["content"]
            for other in set(fleet.kiosks) - {jammed}:
                assert other + "\n" not in m["text"]["content"] + "\n"

    # Inhibition (amtool cannot test it): a kiosk that is down has its printer alert held back;
    # another kiosk's printer alert goes out. Alerts as Prometheus posts them, straight to the API.
    down, other = "kiosk-down.test:8470", "kiosk-other.test:8470"
    printer = {"alertname": "KioskPrinterError", "level": "red", "severity": "critical",
               "role": "film", "printer": "KioskFilm", "reason": "media-empty-error"}  # fmt: skip
    posted = session.post(
        fleet.alertmanager + "/api/v2/alerts",
        json=[
            {
                "labels": {
                    "alertname": "KioskDown",
                    "job": "kiosk",
                    "instance": down,
                    "level": "red",
                    "severity": "critical",
                }
            },
            {"labels": {**printer, "instance": down}},
            {"labels": {**printer, "instance": other}},
        ],
        timeout=5,
    )
    assert posted.ok, posted.text

    def firing(name: str, instance: str) -> bool:
        return any(
            status == "firing" and labels["alertname"] == name and labels["instance"] == instance
            for _, status, labels in fleet.received.sms_alerts()
        )

    wait_until(lambda: firing("KioskDown", down) and firing("KioskPrinterError", other), 20,
               "the kiosk-down and the other kiosk's printer alert")  # fmt: skip
    held = session.get(
        fleet.alertmanager + "/api/v2/alerts",
        params={"filter": f'instance="{down}"', "inhibited": "true"},
        timeout=5,
    ).json()
    by_name = {a["labels"]["alertname"]: a["status"] for a in held}
    assert by_name["KioskPrinterError"]["state"] == "suppressed"
    assert by_name["KioskPrinterError"]["inhibitedBy"]
    time.sleep(3)  # a few group intervals more: still never sent
    assert not firing("KioskPrinterError", down)
    total = time.monotonic() - started
    print(
        f"\nfleet: jam to SMS webhook {sms_after:.1f} s, "
        f"clear to resolved {resolved_after:.1f} s, test {total:.1f} s"
    )
