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


def text_of(name: str) -> str:
    return (INSTALLER / "systemd" / name).read_text()


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


def test_removal_keeps_data_and_purge_removes_everything_the_package_made() -> None:
    text = (INSTALLER / "deb" / "postrm").read_text()
    remove = text.split("remove)")[1].split(";;")[0]
    for kept in ("/var/lib/kiosk", "/var/cache/kiosk", "/var/log/kiosk", "/etc/kiosk", "deluser"):
        assert kept not in remove
    assert "/usr/lib/film-kiosk" not in remove and "/opt" not in text  # dpkg removes the program
    purge = text.split("purge)")[1].split(";;")[0]
    assert "rm -rf /etc/kiosk /var/lib/kiosk /var/cache/kiosk /var/log/kiosk" in purge
    # the user and its group go last, after the files that belonged to them
    assert purge.index("rm -rf") < purge.index("deluser --quiet --system kiosk")
    assert purge.index("deluser --quiet --system kiosk") < purge.index(
        "delgroup --quiet --system kiosk"
    )


def test_postinst_creates_the_home_with_the_user_and_changes_no_owner_recursively() -> None:
    text = (INSTALLER / "deb" / "postinst").read_text()
    adduser = text[text.index("adduser --system") :].split("kiosk > /dev/null")[0]
    assert "--home /var/lib/kiosk" in adduser and "--no-create-home" not in adduser
    # lintian's recursive-privilege-change, as lintian matches it
    bad = re.compile(r"\b(?:(?:chmod|chown).*(?:-R|--recursive)|find.*exec.*(?:chmod|chown))\b")
    for script in SCRIPTS:
        for line in (INSTALLER / "deb" / script).read_text().splitlines():
            assert not bad.search(line), f"{script}: {line}"
    assert (
        "install -d -o kiosk -g kiosk -m 0750 /var/lib/kiosk /var/cache/kiosk /var/log/kiosk"
        in text
    )


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
    assert service["Restart"] == "always"  # cage hides the kiosk's exit status: see below
    assert service["User"] == "kiosk"
    # cage's Wayland socket in the unit's runtime folder (ProtectHome= hides /run/user)
    assert service["ExecStart"].startswith("/usr/bin/env XDG_RUNTIME_DIR=/run/kiosk /usr/bin/cage ")
    assert service["ExecStart"].endswith("/usr/bin/kiosk run")
    assert service["RuntimeDirectory"] == "kiosk"
    assert "kiosk-health.service" in unit("kiosk.service")["Unit"]["Conflicts"]


@pytest.mark.skipif(not shutil.which("cage"), reason="cage not installed")
@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv not installed")
def test_cage_exits_0_whatever_the_kiosk_exits_with_so_the_unit_restarts_always() -> None:
    """Why kiosk.service says Restart=always: under cage, the kiosk's exit status (1 for a
    crash, 75 for a remote restart) never reaches systemd."""
    import os
    import tempfile

    # A short path (a Wayland socket's must fit a sockaddr_un) that "nobody" may enter.
    runtime = Path(tempfile.mkdtemp(prefix="cage-", dir="/tmp"))
    user = [] if os.geteuid() != 0 else ["setpriv", "--reuid=nobody", "--regid=nogroup",
                                          "--clear-groups"]  # fmt: skip
    if user:  # cage refuses to run as root
        os.chown(runtime, 65534, 65534)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_RUNTIME_DIR": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_RENDERER": "pixman",
    }
    marker = runtime / "child-ran"
    run = subprocess.run(
        [*user, "cage", "--", "sh", "-c", f"touch {marker}; exit 75"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    if not marker.exists():
        pytest.skip(f"cage did not start here: {run.stderr.decode(errors='replace')[-200:]}")
    shutil.rmtree(runtime, ignore_errors=True)
    assert run.returncode == 0  # the 75 is lost: on-failure would not restart


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


def _writable(service: configparser.SectionProxy) -> list[Path]:
    roots = {
        "StateDirectory": "/var/lib",
        "CacheDirectory": "/var/cache",
        "LogsDirectory": "/var/log",
        "RuntimeDirectory": "/run",
    }
    return [Path(root, service[key]) for key, root in roots.items() if key in service]


@pytest.mark.parametrize("name", ["kiosk.service", "kiosk-health.service"])
def test_the_units_may_write_only_where_the_kiosk_keeps_its_files(name: str) -> None:
    service = unit(name)["Service"]
    assert service["ProtectSystem"] == "strict" and service["ProtectHome"] == "yes"
    assert service["PrivateTmp"] == service["NoNewPrivileges"] == "yes"
    assert service["CapabilityBoundingSet"] == "" and service["UMask"] == "0077"
    assert "ReadWritePaths" not in service  # only the unit's own folders
    writable = _writable(service)
    xdg_cache = re.search(r"^Environment=XDG_CACHE_HOME=(\S+)$", text_of(name), re.M)
    assert xdg_cache, "the XDG caches (fontconfig, Mesa) go to the CacheDirectory"
    settings = load(INSTALLER / "etc" / "kiosk.toml", env={})
    # everything the kiosk writes: database, encrypted cache, printed output, logs, XDG caches
    written = [
        settings.database_path,
        settings.cache_dir,
        settings.cache_key_file,
        settings.output_dir(settings.printers.report),
        settings.log_dir / "kiosk.log",
        Path(xdg_cache.group(1)) / "fontconfig",
        Path("/var/lib/kiosk/.local/share/kiosk/demo"),  # kiosk print --demo, HOME=/var/lib/kiosk
    ]
    for path in written:
        assert any(path.is_relative_to(folder) for folder in writable), (path, writable)


def test_the_health_server_has_no_devices_and_no_writable_executable_memory() -> None:
    service = unit("kiosk-health.service")["Service"]
    assert service["PrivateDevices"] == service["MemoryDenyWriteExecute"] == "yes"
    assert service["RestrictAddressFamilies"] == "AF_UNIX AF_INET AF_INET6"
    screen = unit("kiosk.service")["Service"]
    assert screen["DevicePolicy"] == "closed"  # the real /dev, but only the kiosk's devices


def test_the_drivers_of_the_screens_device_classes_load_at_boot() -> None:
    # DeviceAllow=char-<class> is resolved from /proc/devices at start: a class whose driver is
    # not loaded yet (USB serial, CDC-ACM, V4L2 before the first device) would be left out
    allowed = re.findall(r"^DeviceAllow=char-(\S+) rw$", text_of("kiosk.service"), re.M)
    assert set(allowed) >= {"tty", "drm", "input", "ttyUSB", "ttyACM", "video4linux", "alsa"}
    modules = [
        line
        for line in (INSTALLER / "modules-load" / "film-kiosk.conf").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    driver = {"ttyUSB": "usbserial", "ttyACM": "cdc_acm", "video4linux": "videodev"}
    assert [driver[name] for name in allowed if name in driver] == modules
    build = (INSTALLER / "deb" / "build-deb.sh").read_text()
    assert '"$STAGE/usr/lib/modules-load.d/$PKG.conf"' in build


def _exposure(name: str) -> float:
    run = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", name],
        capture_output=True,
        text=True,
        cwd=INSTALLER / "systemd",
    )
    found = re.search(rf"Overall exposure level for {re.escape(name)}: (\d+\.\d)", run.stdout)
    assert found, run.stdout + run.stderr
    return float(found.group(1))


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_rates_both_units_safe() -> None:
    # systemd-analyze security: 0 (sandboxed) to 10 (exposed); both were above 8 before
    assert _exposure("kiosk-health.service") <= 4.0
    assert _exposure("kiosk.service") <= 4.0


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
    # The rule as shipped, but owned by root: the kiosk user exists only once the package is
    # installed, and the test must not depend on an earlier package test having left it.
    shipped = (INSTALLER / "etc" / "logrotate").read_text()
    assert "su kiosk kiosk" in shipped
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "kiosk.log").write_text("a line\n" * 10)
    rule = tmp_path / "film-kiosk"
    rule.write_text(
        shipped.replace("su kiosk kiosk", "su root root").replace("/var/log/kiosk/", f"{logs}/")
    )
    rule.chmod(0o644)
    run = subprocess.run(
        ["logrotate", "-d", "-f", "-s", str(tmp_path / "state"), str(rule)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr.lower().replace("errors", ""), run.stderr
    # -d -f: what a forced rotation would do to the kiosk's log (logrotate says it on stderr)
    assert f"rotating log {logs}/kiosk.log" in run.stderr, run.stderr
    assert "copying" in run.stderr and "truncating" in run.stderr, run.stderr


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
    # not under /opt: dpkg removed an emptied /opt with the package on purge
    assert "PREFIX=/usr/lib/film-kiosk" in text and "/opt" not in text
    control = (INSTALLER / "deb" / "control.in").read_text()
    assert "Recommends: cage" in control
