"""build_selftest: the configured backends become checks; input devices are really opened
(the ID-card reader on the pty simulator, missing ports and cameras)."""

from __future__ import annotations

from pathlib import Path

from drivers.idcard.framing import Command, Status
from drivers.idcard.simulator import Fault, PtyIdCardSimulator
from kiosk_app.app import build_selftest
from kiosk_app.services import selftest
from kiosk_app.services.selftest import Level
from kiosk_app.settings import Settings, load


def settings(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n' + text, encoding="utf-8")
    return load(path, demo=True, env={})


def results(s: Settings) -> dict[str, tuple[Level, str]]:
    report = selftest.run(build_selftest(s), kiosk_id="t", version="0")
    return {r.name: (r.level, r.detail) for r in report.results}


def test_the_demo_is_checked_without_devices(tmp_path: Path) -> None:
    got = results(settings(tmp_path, ""))
    assert list(got) == [
        "cloud", "report_printer", "film_printer", "scanner", "idcard_reader", "voice", "disk",
        "clock", "certificates", "monitoring",
    ]  # fmt: skip
    assert got["voice"] == (Level.OK, "voice prompts off ([voice] enabled = false)")
    assert got["cloud"][0] is Level.OK and "local archive" in got["cloud"][1]
    assert got["report_printer"][0] is Level.OK and "folder printer" in got["report_printer"][1]
    assert got["certificates"] == (Level.OK, "no certificates configured")
    assert got["monitoring"][0] is Level.FAIL  # no token: the centre cannot read /status


def test_the_id_card_reader_answers_on_its_port(tmp_path: Path) -> None:
    with PtyIdCardSimulator() as sim:
        got = results(settings(tmp_path, f'[scanner]\nidcard_port = "{sim.port}"\n'))
    level, detail = got["idcard_reader"]
    assert level is Level.OK
    assert (
        detail == f"ID-card reader {sim.port}: the reader's security module answered its self-check"
    )


def test_a_reader_whose_security_module_fails(tmp_path: Path) -> None:
    with PtyIdCardSimulator() as sim:
        sim.fail_next(Status.SAM_NOT_AUTHORISED, Command.SAM_STATUS)
        got = results(settings(tmp_path, f'[scanner]\nidcard_port = "{sim.port}"\n'))
    assert got["idcard_reader"][0] is Level.FAIL
    assert "66" in got["idcard_reader"][1]


def test_silent_reader_fails(tmp_path: Path) -> None:
    with PtyIdCardSimulator() as sim:
        sim.fail_next(Fault.SILENT, Command.SAM_STATUS)
        sim.fail_next(Fault.SILENT, Command.SAM_STATUS)
        got = results(settings(tmp_path, f'[scanner]\nidcard_port = "{sim.port}"\n'))
    assert got["idcard_reader"][0] is Level.FAIL


def test_missing_ports_and_cameras_fail_with_the_drivers_words(tmp_path: Path) -> None:
    got = results(
        settings(
            tmp_path,
            '[scanner]\nbackend = "serial"\nserial_port = "/dev/ttyNOPE0"\n'
            'idcard_port = "/dev/ttyNOPE1"\n',
        )
    )
    assert got["scanner"][0] is Level.FAIL and "/dev/ttyNOPE0" in got["scanner"][1]
    assert got["idcard_reader"][0] is Level.FAIL and "/dev/ttyNOPE1" in got["idcard_reader"][1]
    got = results(settings(tmp_path, '[scanner]\nbackend = "camera"\ncamera_index = 63\n'))
    assert got["camera"][0] is Level.FAIL and "camera 63" in got["camera"][1]
    got = results(
        settings(tmp_path, '[scanner]\nbackend = "hid"\nhid_device = "/dev/input/nope"\n')
    )
    assert got["scanner"] == (
        Level.FAIL,
        "HID scanner /dev/input/nope: not present (unplugged, or another name?)",
    )
