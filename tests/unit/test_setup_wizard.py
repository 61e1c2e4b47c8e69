"""kiosk setup: answers from options, a file or prompts; live checks per step; atomic writes."""

from __future__ import annotations

import argparse
import hashlib
import os
import stat
import subprocess
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest

from kiosk_app import setup_wizard as sw
from kiosk_app.core.pin import PinGate
from kiosk_app.services.selftest import Check, Level
from kiosk_app.settings import Settings, load

ANSWERS = {
    "kiosk_id": "radiology-1f-east",
    "cloud_url": "https://pacs.hospital.example/dicom-web",
    "cloud_username": "kiosk",
    "cloud_password": "s3cret",
    "report_queue": "Report_A4",
    "film_backend": "dicom",
    "film_ae_title": "DRYVIEW",
    "film_host": "10.0.0.5",
    "film_port": "104",
    "scanner_backend": "serial",
    "scanner_port": "/dev/ttyACM0",
    "idcard_port": "/dev/kiosk-idcard",
    "nurse_pin": "2468",
    "health_bind": "0.0.0.0",
}


class Checks:
    """Stands in for build_selftest: records what each step was checked with."""

    def __init__(self, failing: dict[str, int] | None = None) -> None:
        self.failing = dict(failing or {})  # check name -> how many times it fails first
        self.seen: list[Settings] = []
        self.ran: list[str] = []

    def __call__(self, settings: Settings) -> list[Check]:
        self.seen.append(settings)
        names = ("cloud", "certificates", "report_printer", "film_printer", "scanner")
        names += ("idcard_reader", "monitoring")
        return [Check(n, self._runner(n)) for n in names]

    def _runner(self, name: str):  # type: ignore[no-untyped-def]
        def run() -> tuple[Level, str]:
            self.ran.append(name)
            if self.failing.get(name, 0) > 0:
                self.failing[name] -= 1
                return Level.FAIL, "no association with DRYVIEW@10.0.0.5:104"
            return Level.OK, "fine"

        return run


def wizard(path: Path, **kw: object) -> tuple[sw.Wizard, list[str]]:
    said: list[str] = []
    kw.setdefault("checks_for", Checks())
    w = sw.Wizard(path, say=said.append, **kw)  # type: ignore[arg-type]
    return w, said


def verify(pin: str, stored: str) -> bool:
    """Whether the hash the wizard stored lets ``pin`` through the login screen's gate (and is
    the scrypt format the settings document)."""
    scheme, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(
        pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    well_formed = scheme == "scrypt" and got.hex() == digest
    return well_formed and PinGate(stored, lockout_s=300).check(pin).ok


def test_non_interactive_writes_a_valid_private_config(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "kiosk.toml"
    checks = Checks()
    w, said = wizard(path, given=dict(ANSWERS), interactive=False, checks_for=checks)
    w.run()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load(path, env={})
    assert settings.kiosk.id == "radiology-1f-east"
    assert settings.cloud.password == "s3cret"
    film = settings.printers.film
    assert (film.backend, film.ae_title, film.host, film.port) == (
        "dicom",
        "DRYVIEW",
        "10.0.0.5",
        104,
    )
    assert settings.scanner.serial_port == "/dev/ttyACM0"
    assert settings.scanner.idcard_port == "/dev/kiosk-idcard"
    assert "2468" not in path.read_text()
    assert verify("2468", settings.ui.staff_pin_hash)
    assert len(settings.health.token) >= 32  # generated
    # every step was checked, with the settings as answered so far
    assert checks.ran == [
        "cloud",
        "certificates",
        "report_printer",
        "film_printer",
        "scanner",
        "idcard_reader",
        "monitoring",
    ]
    assert checks.seen[0].cloud.url == ANSWERS["cloud_url"]
    assert said[-1] == f"configuration written to {path} (mode 0600)"
    assert not [p for p in path.parent.iterdir() if p.name != "kiosk.toml"]  # no temp left


def test_keys_not_asked_are_kept_and_the_pin_stays_when_not_given(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "old"\ndata_dir = "/var/lib/kiosk"\n'
        '[film]\nsize = "14INX17IN"\ndpi = 320\n'
        '[ui]\nstaff_pin_hash = "scrypt$16384$8$1$00$11"\n'
        '[health]\ntoken = "kept-token-0123456789"\n',
        encoding="utf-8",
    )
    w, _ = wizard(path, given={"kiosk_id": "new-1"}, interactive=False)
    w.run()
    data = tomllib.loads(path.read_text())
    assert data["kiosk"] == {"id": "new-1", "data_dir": "/var/lib/kiosk"} | {
        "hospital_name": data["kiosk"]["hospital_name"]
    }
    assert data["film"] == {"size": "14INX17IN", "dpi": 320}
    assert data["ui"]["staff_pin_hash"] == "scrypt$16384$8$1$00$11"
    assert data["health"]["token"] == "kept-token-0123456789"


def test_a_failing_check_stops_non_interactive_setup_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    w, _ = wizard(
        path, given=dict(ANSWERS), interactive=False, checks_for=Checks({"film_printer": 1})
    )
    with pytest.raises(sw.SetupError, match="film_printer: no association with DRYVIEW"):
        w.run()
    assert not path.exists()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("cloud_url", "pacs.example", "an http:// or https:// URL"),
        ("film_port", "70000", "a port number"),
        ("nurse_pin", "12", "4 to 12 digits"),
        ("film_backend", "laser", "one of cups, dicom, folder"),
        ("ca_bundle", "/no/such/ca.pem", "no such file"),
    ],
)
def test_bad_answers_are_refused_with_what_is_expected(
    tmp_path: Path, name: str, value: str, words: str
) -> None:
    w, _ = wizard(tmp_path / "k.toml", given={**ANSWERS, name: value}, interactive=False)
    with pytest.raises(sw.SetupError, match=words) as info:
        w.run()
    assert info.value.exit_code == 2


def test_unknown_answers_are_refused(tmp_path: Path) -> None:
    w, _ = wizard(tmp_path / "k.toml", given={"kiosk_name": "x"}, interactive=False)
    with pytest.raises(sw.SetupError, match="unknown answer"):
        w.run()


def test_interactive_asks_again_after_a_failed_check(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    typed = iter(
        [
            "kiosk-7",
            "",  # id, hospital (default)
            "http://127.0.0.1:8042/dicom-web",
            "kiosk",
            "pw",
            "",
            "",  # cloud
            "KioskPDF",
            "",
            "dicom",
            "KIOSKPRINT",
            "127.0.0.1",
            "10006",  # printers: wrong port
            "",
            "",
            "",
            "",
            "",
            "10005",  # printers again: defaults are the last answers
            "keyboard",
            "",  # scanner, no ID reader
            "99",
            "1357",
            "",
            "127.0.0.1",  # a bad PIN, then a good one; token generated
        ]
    )
    prompts: list[tuple[str, bool]] = []

    def ask(prompt: str, secret: bool) -> str:
        prompts.append((prompt, secret))
        return next(typed)

    checks = Checks({"film_printer": 1})
    w, said = wizard(path, interactive=True, ask=ask, checks_for=checks)
    w.run()
    settings = load(path, env={})
    assert settings.printers.film.port == 10005
    assert settings.kiosk.id == "kiosk-7"
    assert verify("1357", settings.ui.staff_pin_hash)
    assert "    4 to 12 digits" in said
    assert "  Fix the answers above and try again (Ctrl+D stops setup)." in said
    assert any("Film printer: port [10006]" in p for p, _ in prompts)
    assert [s for p, s in prompts if "Password" in p] == [True]
    assert [s for p, s in prompts if "PIN" in p] == [True, True]


def test_interactive_end_of_input_writes_nothing(tmp_path: Path) -> None:
    def ask(_prompt: str, _secret: bool) -> str:
        raise EOFError

    w, _ = wizard(tmp_path / "kiosk.toml", interactive=True, ask=ask)
    with pytest.raises(sw.SetupError, match="nothing was written"):
        w.run()
    assert not (tmp_path / "kiosk.toml").exists()


def test_write_config_is_atomic_and_keeps_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nid = 'a'\n")
    os.chmod(path, 0o644)
    inode = path.stat().st_ino
    sw.write_config(path, {"kiosk": {"id": "b", "hospital_name": '示例 "医院"\n'}})
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["kiosk"]["hospital_name"] == '示例 "医院"\n'


def test_dump_toml_round_trips_nested_tables() -> None:
    data = {
        "kiosk": {"id": "k"},
        "printers": {"cups_server": "", "report": {"queue": "A"}, "film": {"port": 104}},
        "film": {"plans": {"CT": "4x5"}, "flag": True, "ratio": 0.5, "list": ["a", "b"]},
    }
    assert tomllib.loads(sw.dump_toml(data)) == data


# ------------------------------------------------------------------ CUPS provisioning


class Runner:
    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.commands: list[list[str]] = []
        self.returncode, self.stderr = returncode, stderr

    def __call__(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


def settings_with(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return load(path, env={})


def test_provision_creates_missing_queues_with_their_uri_only(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        '[printers.report]\nqueue = "Report_A4"\ndevice_uri = "ipp://10.0.0.9/ipp/print"\n'
        '[printers.film]\nqueue = "DryFilm"\n',
    )
    run = Runner()
    lines = sw.provision_cups(settings, existing=["DryFilm"], run=run)
    assert run.commands == [
        [
            "lpadmin",
            "-p",
            "Report_A4",
            "-v",
            "ipp://10.0.0.9/ipp/print",
            "-m",
            "everywhere",
            "-E",
            "-o",
            "printer-error-policy=stop-printer",
        ]
    ]
    assert lines == [
        "report printer: queue Report_A4 created for ipp://10.0.0.9/ipp/print",
        "film printer: queue DryFilm exists",
    ]
    assert not any("lpinfo" in c for command in run.commands for c in command)


def test_provision_says_what_is_missing_and_what_lpadmin_said(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '[printers.report]\nqueue = "Report_A4"\n')
    with pytest.raises(sw.SetupError, match="device_uri is empty"):
        sw.provision_cups(settings, existing=["KioskFilm"], run=Runner())
    settings = settings_with(
        tmp_path,
        '[printers]\ncups_server = "localhost:631"\n'
        '[printers.report]\nqueue = "R"\ndevice_uri = "socket://10.0.0.9"\ncups_model = "raw"\n',
    )
    run = Runner(1, "lpadmin: Unable to connect")
    with pytest.raises(sw.SetupError, match="lpadmin could not create R: lpadmin: Unable"):
        sw.provision_cups(settings, existing=["KioskFilm"], run=run)
    assert run.commands[0][:3] == ["lpadmin", "-h", "localhost:631"]
    assert "raw" in run.commands[0]


# ------------------------------------------------------------------ the command line


def parse(*argv: str) -> argparse.Namespace:
    from kiosk_app.cli import build_parser

    return build_parser().parse_args(["setup", *argv])


def test_answers_file_and_options_options_win(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text('kiosk_id = "from-file"\nfilm_port = 104\ncloud_url = "http://x"\n')
    args = parse("--answers", str(answers), "--kiosk-id", "from-option")
    assert sw._given(args) == {
        "kiosk_id": "from-option",
        "film_port": "104",
        "cloud_url": "http://x",
    }


def test_main_without_a_terminal_or_answers_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = sw.main(parse("--config", str(tmp_path / "k.toml")))
    assert code == 2
    assert "no terminal to ask on" in capsys.readouterr().err


def test_missing_queues_are_provisioned_before_the_printers_are_checked(tmp_path: Path) -> None:
    order: list[str] = []
    checks = Checks()

    def provision(settings: Settings) -> list[str]:
        order.append(f"provision {settings.printers.report.queue}")
        return ["report printer: queue Report_A4 created for ipp://10.0.0.9/ipp/print"]

    original = checks._runner

    def runner(name: str):  # type: ignore[no-untyped-def]
        run = original(name)
        return lambda: (order.append(name), run())[1]

    checks._runner = runner  # type: ignore[method-assign]
    given = {**ANSWERS, "report_uri": "ipp://10.0.0.9/ipp/print"}
    w, said = wizard(
        tmp_path / "k.toml", given=given, interactive=False, checks_for=checks, provision=provision
    )
    w.run()
    assert order.index("provision Report_A4") < order.index("report_printer")
    assert "  report printer: queue Report_A4 created for ipp://10.0.0.9/ipp/print" in said
    assert (
        load(tmp_path / "k.toml", env={}).printers.report.device_uri == "ipp://10.0.0.9/ipp/print"
    )
