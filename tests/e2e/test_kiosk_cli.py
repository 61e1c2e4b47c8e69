"""The ``kiosk`` command's contracts that need no server: demo mode, versions, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk_app import __version__

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def kiosk(
    *args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def _isolated() -> tuple[str, ...]:
    """A network namespace with no interfaces, where one can be made (root on Linux)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            return ("unshare", "-n")
    return ()


def test_version() -> None:
    run = kiosk("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"kiosk {__version__}"


def test_demo_print_works_with_no_cups_no_orthanc_no_network(tmp_path: Path) -> None:
    env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path), "CUPS_SERVER": str(tmp_path / "no.sock")}
    prefix = _isolated()
    run = kiosk("print", "DEMO0001", "--demo", "--json", env=env, prefix=prefix)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["code"] == "DEMO0001"
    states = {(i["kind"], i["state"]) for i in summary["items"]}
    assert states == {("report", "delivered"), ("film", "delivered")}
    pdfs = sorted((tmp_path / "output").glob("*.pdf"))
    assert len(pdfs) == 2
    report = next(p for p in pdfs if p.name.startswith("report"))
    text = "".join(PdfReader(report).pages[0].extract_text().split())
    assert "检查所见" in text and "DEMO" in text
    film = next(p for p in pdfs if p.name.startswith("film"))
    image = PdfReader(film).pages[0].images[0].image
    assert image.mode == "L" and image.size[0] > 1000


def test_demo_lists_a_report_that_is_not_final(tmp_path: Path) -> None:
    env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path)}
    run = kiosk("print", "DEMO0002", "--demo", "--json", env=env)
    assert run.returncode == 0, run.stderr
    report = next(i for i in json.loads(run.stdout)["items"] if i["kind"] == "report")
    assert report["state"] == "skipped"
    assert "not final" in report["reason"] and "expected at" in report["reason"]


def test_status_reports_the_demo_printers_and_archive(tmp_path: Path) -> None:
    run = kiosk("status", "--demo", "--json", env={"KIOSK_KIOSK__DATA_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    status = json.loads(run.stdout)
    assert status["schema"] == "kiosk-status/1"
    assert status["level"] == "green"
    assert status["components"]["cloud"]["reachable"] is True
    assert status["components"]["report_printer"]["state"] == "idle"


def test_status_without_cups_is_not_green(tmp_path: Path) -> None:
    env = {
        "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
        "CUPS_SERVER": str(tmp_path / "no.sock"),
        "KIOSK_CLOUD__KIND": "local",
    }
    run = kiosk("status", "--json", env=env)
    assert run.returncode == 0, run.stderr
    status = json.loads(run.stdout)
    assert status["level"] in ("orange", "red")
    assert status["components"]["film_printer"]["state"] == "unknown"


def test_selftest_of_the_demo_and_setup_without_a_terminal(tmp_path: Path) -> None:
    run = kiosk("selftest", "--demo", "--json", env={"KIOSK_KIOSK__DATA_DIR": str(tmp_path)})
    report = json.loads(run.stdout)
    assert report["schema"] == "kiosk-selftest/1"
    assert run.returncode == {"ok": 0, "warn": 6, "fail": 1}[report["worst"]]
    assert {c["name"] for c in report["checks"]} >= {"cloud", "report_printer", "disk"}
    run = kiosk("setup", "--config", str(tmp_path / "kiosk.toml"))  # stdin is not a terminal
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "--non-interactive" in run.stderr
    assert not (tmp_path / "kiosk.toml").exists()


def test_every_subcommand_has_help() -> None:
    for command in (
        "run",
        "print",
        "film",
        "render",
        "decode",
        "read-card",
        "status",
        "selftest",
        "setup",
    ):
        run = kiosk(command, "--help")
        assert run.returncode == 0, command
        assert "usage: kiosk" in run.stdout


def test_a_bad_config_stops_with_key_value_and_expectation(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[printing]\njob_timeout = "forever"\n', encoding="utf-8")
    run = kiosk("print", "DEMO0001", "--config", str(config))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "kiosk: configuration: printing.job_timeout: 'forever' is not a number"
    )


def test_film_and_render_commands(tmp_path: Path) -> None:
    ct = REPO / "assets" / "demo" / "archive" / "DEMO0001_CT_01.dcm"
    out = tmp_path / "sheet.png"
    run = kiosk(
        "film",
        str(ct),
        str(ct),
        "--layout",
        "2x1",
        "--film-size",
        "8INX10IN",
        "--dpi",
        "50",
        "-o",
        str(out),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    from PIL import Image

    sheet = Image.open(out)
    assert sheet.size == (400, 500) and sheet.mode == "L"
    render = kiosk("render", str(ct), "-o", str(tmp_path / "one.png"))
    assert render.returncode == 0, render.stderr
    assert Image.open(tmp_path / "one.png").size == (128, 128)
    bad = kiosk("render", str(tmp_path / "sheet.png"), "-o", str(tmp_path / "x.png"))
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_kiosk_run_demo_comes_up_fullscreen_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal
    import socket
    import time

    # systemd's side of sd_notify: the kiosk says READY=1 once its loop runs the home screen.
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"@kiosk-test-{os.getpid()}"
    notify.bind("\0" + name[1:])
    notify.settimeout(0.5)
    env = {
        **os.environ,
        "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "KIOSK_HEALTH__PORT": "0",
        "NOTIFY_SOCKET": name,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "run", "--demo"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, said = time.monotonic() + 60, b""
        while not said and time.monotonic() < deadline and proc.poll() is None:
            try:
                said = notify.recv(256)
            except TimeoutError:
                continue
        assert said == b"READY=1", proc.poll() is None or proc.communicate()[1]
        deadline = time.monotonic() + 60
        log = tmp_path / "log" / "kiosk.log"
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and "kiosk window shown (fullscreen)" in log.read_text():
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()[1]
        assert "kiosk window shown (fullscreen)" in log.read_text()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        notify.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
