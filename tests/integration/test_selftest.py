"""kiosk selftest and kiosk setup against the real test servers (read-only: nothing printed,
cleared or cancelled): Orthanc's QIDO-RS, cupsd's queues, dcmprscp's C-ECHO and printer status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_app.app import build_selftest
from kiosk_app.services import selftest
from kiosk_app.services.selftest import Level
from kiosk_app.settings import Settings, load
from kiosk_app.setup_wizard import Wizard, describe_queues

pytestmark = pytest.mark.integration


def config(tmp_path: Path, env: dict[str, str], **over: str) -> Path:
    values = {
        "url": env["ORTHANC_DICOMWEB"],
        "password": env["ORTHANC_PASSWORD"],
        "queue": env["KIOSK_PDF_QUEUE"],
        "port": env["PRINT_SCP_PORT"],
        **over,
    }
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
id = "it-kiosk"
data_dir = "{tmp_path}"
[cloud]
url = "{values["url"]}"
username = "{env["ORTHANC_USER"]}"
password = "{values["password"]}"
connect_timeout = 2
read_timeout = 5
retries = 0
[printers]
cups_server = "{env["CUPS_SERVER"]}"
[printers.report]
queue = "{values["queue"]}"
[printers.film]
backend = "dicom"
ae_title = "{env["PRINT_SCP_AET"]}"
host = "{env["PRINT_SCP_HOST"]}"
port = {values["port"]}
timeout = 5
[health]
bind = "0.0.0.0"
token = "integration-token-0123456789"
""",
        encoding="utf-8",
    )
    return path


def results(settings: Settings) -> dict[str, tuple[Level, str]]:
    report = selftest.run(build_selftest(settings), kiosk_id="it", version="0")
    return {r.name: (r.level, r.detail) for r in report.results}


def test_a_configured_kiosk_passes(services_env: dict[str, str], tmp_path: Path) -> None:
    got = results(load(config(tmp_path, services_env), env={}))
    for name in ("cloud", "report_printer", "film_printer", "disk", "clock", "monitoring"):
        assert got[name][0] is Level.OK, (name, got[name])
    assert "QIDO-RS search answered" in got["cloud"][1]
    assert got["report_printer"][1] == f"{services_env['KIOSK_PDF_QUEUE']}: idle, accepting jobs"
    assert got["film_printer"][1].startswith("C-ECHO ")
    assert got["certificates"] == (Level.WARN, "cloud link is plain HTTP: not encrypted")


def test_wrong_password_unknown_queue_and_silent_printer_fail(
    services_env: dict[str, str], tmp_path: Path
) -> None:
    path = config(tmp_path, services_env, password="wrong", queue="NoSuchQueue", port="1")
    got = results(load(path, env={}))
    assert got["cloud"][0] is Level.FAIL and "401" in got["cloud"][1]
    assert got["report_printer"][0] is Level.FAIL and "NoSuchQueue" in got["report_printer"][1]
    assert got["film_printer"][0] is Level.FAIL
    assert "KIOSKPRINT@127.0.0.1:1" in got["film_printer"][1]


def test_the_command_prints_json_and_exits_with_the_worst(
    services_env: dict[str, str], tmp_path: Path
) -> None:
    path = config(tmp_path, services_env)
    run = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "selftest", "--json", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(run.stdout)
    assert report["worst"] == "warn" and run.returncode == 6, run.stderr
    path = config(tmp_path, services_env, port="1")
    run = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "selftest", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1].startswith("selftest of it-kiosk: fail (")
    assert any(line.startswith("fail  film_printer") for line in run.stdout.splitlines())


def test_setup_checks_each_step_live(services_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "etc" / "kiosk.toml"
    path.parent.mkdir()
    server = services_env["CUPS_SERVER"]
    path.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n[printers]\ncups_server = "{server}"\n')
    said: list[str] = []
    answers = {
        "kiosk_id": "it-setup",
        "cloud_url": services_env["ORTHANC_DICOMWEB"],
        "cloud_username": services_env["ORTHANC_USER"],
        "cloud_password": services_env["ORTHANC_PASSWORD"],
        "report_queue": services_env["KIOSK_PDF_QUEUE"],
        "film_backend": "dicom",
        "film_ae_title": services_env["PRINT_SCP_AET"],
        "film_host": services_env["PRINT_SCP_HOST"],
        "film_port": services_env["PRINT_SCP_PORT"],
        "scanner_backend": "keyboard",
        "nurse_pin": "2468",
        "health_bind": "0.0.0.0",
    }
    Wizard(path, given=answers, interactive=False, say=said.append).run()
    assert any(line.startswith("  ok    film_printer: C-ECHO") for line in said)
    assert any(line.startswith("  ok    cloud: ") for line in said)
    assert load(path, env={}).printers.film.port == int(services_env["PRINT_SCP_PORT"])
    answers["film_port"] = "1"
    with pytest.raises(Exception, match="film_printer"):
        Wizard(path, given=answers, interactive=False, say=said.append).run()
    assert load(path, env={}).printers.film.port == int(services_env["PRINT_SCP_PORT"])


def test_setup_lists_the_schedulers_queues(services_env: dict[str, str], tmp_path: Path) -> None:
    lines = describe_queues(load(config(tmp_path, services_env), env={}))
    names = [line.split()[0] for line in lines]
    assert services_env["KIOSK_PDF_QUEUE"] in names and services_env["KIOSK_FILM_QUEUE"] in names
    pdf = next(line for line in lines if line.split()[0] == services_env["KIOSK_PDF_QUEUE"])
    assert "cups-pdf:/" in pdf
