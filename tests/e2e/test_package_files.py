"""The Debian package's pieces as they are shipped: maintainer scripts, systemd units, udev and
logrotate rules, the default configuration. (scripts/package-test.sh builds, installs, upgrades
and purges the package itself.)"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_app.settings import load

pytestmark = pytest.mark.e2e

INSTALLER = Path(__file__).resolve().parents[2] / "installer"
SCRIPTS = ("postinst", "prerm", "postrm")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(INSTALLER / "systemd" / name)
    return parser


@pytest.mark.parametrize("script", SCRIPTS)
def test_maintainer_scripts_are_valid_sh_and_start_nothing_without_systemd(script: str) -> None:
    path = INSTALLER / "deb" / script
    assert path.stat().st_mode & 0o111
    subprocess.run(["sh", "-n", str(path)], check=True)
    text = path.read_text()
    assert "set -e" in text
    depth, guards = 0, []  # every systemctl/udevadm call sits inside the "systemd runs" guard
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", "echo ")):
            continue
        one_line_if = stripped.startswith("if ") and stripped.endswith("fi")
        if stripped.startswith("if ") and not one_line_if:
            depth += 1
            if stripped.startswith("if [ -d /run/systemd/system ]"):
                guards.append(depth)
        elif stripped == "fi":
            if guards and guards[-1] == depth:
                guards.pop()
            depth -= 1
        if re.search(r"\b(systemctl|udevadm)\b", stripped):
            guarded = one_line_if and stripped.startswith("if [ -d /run/systemd/system ]")
            assert guards or guarded, line
    assert "invoke-rc.d" not in text and "service cups" not in text


def test_removal_keeps_data_and_purge_removes_only_the_kiosks() -> None:
    text = (INSTALLER / "deb" / "postrm").read_text()
    remove = text.split("remove)")[1].split(";;")[0]
    assert "/var/lib/kiosk" not in remove and "/etc/kiosk" not in remove
    purge = text.split("purge)")[1].split(";;")[0]
    assert "rm -rf /etc/kiosk /var/log/kiosk" in purge
    assert "rm -rf /var/lib/kiosk" not in purge  # only the kiosk's own files in it


def test_postinst_migrates_as_the_kiosk_user_and_provisions_cups_from_the_config() -> None:
    text = (INSTALLER / "deb" / "postinst").read_text()
    assert "runuser -u kiosk" in text and "Store.open" in text
    assert "kiosk setup --provision-cups" in text
    assert "lpinfo" not in text  # never device discovery
    assert 'chmod 0600 "$CONFIG"' in text


def test_the_screen_unit_restarts_a_frozen_or_crashed_kiosk() -> None:
    service = unit("kiosk.service")["Service"]
    assert service["Type"] == "notify"
    assert service["NotifyAccess"] == "all"  # the kiosk is cage's child
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "on-failure"
    assert service["User"] == "kiosk"
    assert service["ExecStart"].startswith("/usr/bin/cage ")
    assert service["ExecStart"].endswith("/usr/bin/kiosk run")
    assert "kiosk-health.service" in unit("kiosk.service")["Unit"]["Conflicts"]


def test_the_health_unit_runs_the_health_server() -> None:
    parsed = unit("kiosk-health.service")
    assert parsed["Service"]["ExecStart"] == "/usr/bin/kiosk health-server"
    assert parsed["Service"]["Restart"] == "on-failure"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    run = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "health-server", "--help"], capture_output=True
    )
    assert run.returncode == 0


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_units_verify() -> None:
    for name in ("kiosk.service", "kiosk-health.service"):
        run = subprocess.run(
            ["systemd-analyze", "verify", str(INSTALLER / "systemd" / name)],
            capture_output=True,
            text=True,
        )
        # (cage itself need not be installed where the tests run)
        assert "Unknown key" not in run.stderr and "Invalid" not in run.stderr, run.stderr
        assert "Unknown section" not in run.stderr and "Failed to parse" not in run.stderr


def test_udev_rules_give_the_kiosk_its_serial_and_hid_devices() -> None:
    rules = [
        line
        for line in (INSTALLER / "udev" / "70-film-kiosk.rules").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    token = re.compile(r'^[A-Z]+(\{[A-Za-z_]+\})?(==|!=|=|\+=)"[^"]*"$')
    for line in rules:
        for part in line.split(", "):
            assert token.match(part.strip()), part
    joined = "\n".join(rules)
    assert 'SUBSYSTEM=="tty"' in joined and 'GROUP="kiosk"' in joined
    assert 'SUBSYSTEM=="input"' in joined and 'SYMLINK+="kiosk-idcard"' in joined


@pytest.mark.skipif(not shutil.which("logrotate"), reason="logrotate not installed")
def test_logrotate_rule_parses(tmp_path: Path) -> None:
    run = subprocess.run(
        ["logrotate", "-d", "-s", str(tmp_path / "state"), str(INSTALLER / "etc" / "logrotate")],
        capture_output=True,
        text=True,
    )
    assert "error" not in run.stderr.lower().replace("errors", ""), run.stderr


def test_the_shipped_configuration_loads_with_system_paths() -> None:
    settings = load(INSTALLER / "etc" / "kiosk.toml", env={})
    assert settings.kiosk.data_dir == Path("/var/lib/kiosk")
    assert settings.log_dir == Path("/var/log/kiosk")
    assert settings.database_path == Path("/var/lib/kiosk/kiosk.db")


def test_build_script_declares_the_conffiles_and_relocates_the_environment() -> None:
    text = (INSTALLER / "deb" / "build-deb.sh").read_text()
    subprocess.run(["bash", "-n", str(INSTALLER / "deb" / "build-deb.sh")], check=True)
    assert 'echo /etc/kiosk/kiosk.toml > "$STAGE/DEBIAN/conffiles"' in text
    assert 'ln -s "$PREFIX/bin/kiosk" "$STAGE/usr/bin/kiosk"' in text
    assert "PY=/usr/bin/python3.11" in text
    control = (INSTALLER / "deb" / "control.in").read_text()
    assert "Recommends: cage" in control
