"""kiosk selftest: verdicts per check, the worst decides, one clear line each."""

from __future__ import annotations

import logging
import socket
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from drivers.base import PrinterState, PrinterStatus, Protocol
from drivers.errors import PrinterError
from drivers.printer.cups import CupsFilmPrinter
from kiosk_app.core import systemd
from kiosk_app.services import selftest as st
from kiosk_app.services.selftest import Check, Level

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


class FakePrinter:
    def __init__(self, status: PrinterStatus, echo: float | Exception | None = None) -> None:
        self.name = status.name
        self._status = status
        if echo is not None:
            self.echo = self._echo
        self._echo_result = echo

    def _echo(self) -> float:
        if isinstance(self._echo_result, Exception):
            raise self._echo_result
        assert isinstance(self._echo_result, float)
        return self._echo_result

    def status(self) -> PrinterStatus:
        return self._status


def status(**kw: object) -> PrinterStatus:
    base: dict[str, object] = {
        "name": "KioskPDF",
        "state": PrinterState.IDLE,
        "accepting_jobs": True,
    }
    base.update(kw)
    return PrinterStatus(**base)  # type: ignore[arg-type]


def verdict(check: Check) -> tuple[Level, str]:
    result = st.run([check], kiosk_id="k", version="0").results[0]
    return result.level, result.detail


# ------------------------------------------------------------------ the report


def test_worst_result_decides_the_exit_code_and_every_check_runs() -> None:
    def boom() -> tuple[Level, str]:
        raise RuntimeError("socket\nclosed")

    checks = [
        Check("a", lambda: (Level.OK, "fine")),
        Check("b", boom),
        Check("c", lambda: (Level.WARN, "low")),
    ]
    report = st.run(checks, kiosk_id="radiology-1", version="1.2")
    assert [r.level for r in report.results] == [Level.OK, Level.FAIL, Level.WARN]
    assert report.results[1].detail == "socket closed"  # one line
    assert report.worst is Level.FAIL and report.exit_code == 1
    data = report.to_json()
    assert data["schema"] == "kiosk-selftest/1" and data["worst"] == "fail"
    assert data["checks"][2] == {"name": "c", "level": "warn", "detail": "low"}
    lines = report.lines()
    assert lines[0].startswith("ok    a  fine")
    assert lines[-1] == "selftest of radiology-1: fail (1 ok, 1 warn, 1 fail)"


def test_exit_codes() -> None:
    ok = st.run([Check("a", lambda: (Level.OK, ""))], kiosk_id="k", version="0")
    warn = st.run([Check("a", lambda: (Level.WARN, ""))], kiosk_id="k", version="0")
    assert (ok.exit_code, warn.exit_code) == (0, st.EXIT_WARN)


def test_driver_errors_show_their_detail() -> None:
    def unreachable() -> tuple[Level, str]:
        raise PrinterError("printer.unreachable", "cupsd not reachable at /run/cups/cups.sock")

    assert verdict(Check("p", unreachable)) == (
        Level.FAIL,
        "cupsd not reachable at /run/cups/cups.sock",
    )


# ------------------------------------------------------------------ the cloud


class CloudAuthError(Exception):
    status = 401


class Source:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    def ping(self) -> None:
        self.calls += 1
        if self.error:
            raise self.error


def test_cloud_ok_refused_and_down() -> None:
    source = Source()
    level, detail = verdict(st.check_cloud(source, "https://pacs/dicom-web"))
    assert level is Level.OK and "QIDO-RS" in detail and source.calls == 1
    level, detail = verdict(st.check_cloud(Source(CloudAuthError("bad")), "https://pacs"))
    assert level is Level.FAIL and "credentials were refused (401)" in detail
    level, detail = verdict(st.check_cloud(Source(OSError("connection refused")), "https://p"))
    assert (level, detail) == (Level.FAIL, "https://p: connection refused")


def test_local_archive(tmp_path: Path) -> None:
    assert verdict(st.check_local_archive(tmp_path / "none"))[0] is Level.FAIL
    assert verdict(st.check_local_archive(tmp_path))[0] is Level.FAIL  # empty
    (tmp_path / "a.dcm").write_bytes(b"x")
    assert verdict(st.check_local_archive(tmp_path)) == (
        Level.OK,
        f"local archive {tmp_path}: 1 files",
    )


# ------------------------------------------------------------------ printers


@pytest.mark.parametrize(
    ("printer_status", "level", "words"),
    [
        (status(), Level.OK, "KioskPDF: idle, accepting jobs"),
        (status(accepting_jobs=False), Level.FAIL, "not accepting jobs"),
        (status(state=PrinterState.STOPPED, reasons=("paused",)), Level.FAIL, "stopped (paused)"),
        (status(state=PrinterState.UNKNOWN, message="no queue X"), Level.FAIL, "no queue X"),
        (status(reasons=("media-jam-error",)), Level.FAIL, "media-jam-error"),
        (status(reasons=("toner-low-warning",)), Level.WARN, "toner-low-warning"),
        (status(markers={"Film": 5}), Level.WARN, "Film 5%"),
        (status(markers={"Film": -1, "Paper": 80}), Level.OK, "accepting jobs"),
    ],
)
def test_printer_status_verdicts(printer_status: PrinterStatus, level: Level, words: str) -> None:
    got_level, detail = verdict(st.check_printer("report_printer", FakePrinter(printer_status)))
    assert got_level is level
    assert words in detail


def test_dicom_printer_is_echoed_first() -> None:
    dicom = status(name="KIOSKPRINT", protocol=Protocol.DICOM)
    level, detail = verdict(st.check_printer("film_printer", FakePrinter(dicom, echo=0.012)))
    assert (level, detail) == (Level.OK, "C-ECHO 12 ms; KIOSKPRINT: idle, accepting jobs")
    silent = FakePrinter(dicom, echo=PrinterError("printer.unreachable", "no association"))
    assert verdict(st.check_printer("film_printer", silent)) == (Level.FAIL, "no association")
    failing = status(name="KIOSKPRINT", reasons=("FAILURE",), protocol=Protocol.DICOM)
    assert verdict(st.check_printer("film_printer", FakePrinter(failing, echo=0.01)))[0] is (
        Level.FAIL
    )


def test_folder_printer(tmp_path: Path) -> None:
    level, _ = verdict(st.check_folder_printer("report_printer", tmp_path / "out"))
    assert level is Level.OK and (tmp_path / "out").is_dir()


# ------------------------------------------------------------------ devices


def test_device_nodes(tmp_path: Path) -> None:
    node = tmp_path / "ttyUSB0"
    assert verdict(st.check_device_node("scanner", "", "scanner"))[0] is Level.FAIL
    level, detail = verdict(st.check_device_node("scanner", str(node), "serial scanner"))
    assert level is Level.FAIL and "not present" in detail
    node.write_bytes(b"")
    assert verdict(st.check_device_node("scanner", str(node), "serial scanner"))[0] is Level.OK


def test_device_that_does_not_answer_fails_with_the_drivers_words() -> None:
    def probe() -> str:
        raise PrinterError("idcard.timeout", "the reader did not answer within 2 s")

    check = st.check_opens("idcard_reader", "ID-card reader /dev/ttyUSB1", probe)
    assert verdict(check) == (Level.FAIL, "the reader did not answer within 2 s")
    ok = st.check_opens("camera", "camera 0", lambda: "delivers 1280x720 frames")
    assert verdict(ok) == (Level.OK, "camera 0: delivers 1280x720 frames")


# ------------------------------------------------------------------ the machine

Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize(
    ("total_gib", "free_gib", "level"),
    [(200, 100, Level.OK), (40, 4, Level.WARN), (40, 0.5, Level.FAIL)],
)
def test_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, total_gib: int, free_gib: float, level: Level
) -> None:
    total = total_gib << 30
    free = int(free_gib * (1 << 30))
    monkeypatch.setattr(st.shutil, "disk_usage", lambda _p: Usage(total, total - free, free))
    got, detail = verdict(st.check_disk(tmp_path / "not-yet" / "kiosk"))
    assert got is level
    assert "GiB free" in detail


def test_disk_ratio_counts_on_a_small_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    gib = 1 << 30
    monkeypatch.setattr(st.shutil, "disk_usage", lambda _p: Usage(8 * gib, 6 * gib, 2 * gib))
    assert verdict(st.check_disk(Path("/")))[0] is Level.WARN  # 25 % free, but only 2 GiB


@pytest.mark.parametrize(("skew", "level"), [(2, Level.OK), (-45, Level.WARN), (600, Level.FAIL)])
def test_clock_against_the_cloud(skew: int, level: Level) -> None:
    check = st.check_clock(lambda: NOW - timedelta(seconds=skew), "the cloud", now=lambda: NOW)
    got, detail = verdict(check)
    assert got is level
    assert f"{skew:+d} s against the cloud" in detail


def test_clock_never_set_fails_and_no_reference_is_not_a_failure() -> None:
    ancient = datetime(1970, 1, 1, tzinfo=UTC)
    assert verdict(st.check_clock(lambda: None, "x", now=lambda: ancient))[0] is Level.FAIL
    assert verdict(st.check_clock(lambda: None, "x", now=lambda: NOW))[0] is Level.OK


def make_cert(path: Path, not_after: datetime) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk-01")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(not_after - timedelta(days=400))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return path


def test_certificates(tmp_path: Path) -> None:
    good = make_cert(tmp_path / "good.pem", NOW + timedelta(days=200))
    soon = make_cert(tmp_path / "soon.pem", NOW + timedelta(days=20))
    gone = make_cert(tmp_path / "gone.pem", NOW - timedelta(days=1))

    def check(url: str, files: list[tuple[str, Path]], remote_days: int = 100) -> tuple[Level, str]:
        return verdict(
            st.check_certificates(
                url,
                None,
                files,
                now=lambda: NOW,
                remote=lambda _u, _ca: NOW + timedelta(days=remote_days),
            )
        )

    level, detail = check("https://pacs", [("client", good)])
    assert level is Level.OK and "cloud: valid until 2027-03-06 (100 days)" in detail
    assert check("https://pacs", [("client", soon)])[0] is Level.WARN
    level, detail = check("https://pacs", [("health", gone)])
    assert level is Level.FAIL and "health: EXPIRED on 2026-11-25" in detail
    assert check("https://pacs", [], remote_days=3)[0] is Level.FAIL
    assert check("http://pacs", [])[0] is Level.WARN
    assert check("", [("x", tmp_path / "missing.pem")])[0] is Level.FAIL
    assert check("", []) == (Level.OK, "no certificates configured")


def test_monitoring() -> None:
    assert verdict(st.check_monitoring("", True, "0.0.0.0", 8470))[0] is Level.FAIL
    assert verdict(st.check_monitoring("x" * 32, True, "0.0.0.0", 8470)) == (
        Level.OK,
        "endpoint on 0.0.0.0:8470, token set",
    )
    assert verdict(st.check_monitoring("x" * 32, True, "127.0.0.1", 8470))[0] is Level.WARN
    assert verdict(st.check_monitoring("x" * 32, False, "0.0.0.0", 8470))[0] is Level.WARN


# ------------------------------------------------------------------ sd_notify (the watchdog)


def test_sd_notify_sends_datagrams_and_is_a_no_op_outside_systemd(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        env = {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000"}
        assert systemd.notify("WATCHDOG=1", env)
        assert server.recv(64) == b"WATCHDOG=1"
        assert systemd.watchdog_interval(env) == 15.0
    assert not systemd.notify("READY=1", {})
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000"}) is None
    assert not systemd.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")})


REPO = Path(__file__).resolve().parents[3]


def _voice_check(tmp_path: Path, **env: str) -> tuple[Level, str]:
    from kiosk_app.app import build_selftest
    from kiosk_app.settings import load

    settings = load(None, demo=True, env={"KIOSK_KIOSK__DATA_DIR": str(tmp_path), **env})
    (check,) = [c for c in build_selftest(settings) if c.name == "voice"]
    return check.run()


def test_voice_prompts_are_checked_by_playing_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    level, detail = _voice_check(tmp_path)
    assert level is Level.OK and "off" in detail
    on = {"KIOSK_VOICE__ENABLED": "true", "KIOSK_VOICE__DEVICE": "null"}
    level, detail = _voice_check(tmp_path, **on)  # the shipped prompts, played for real
    assert (level, detail.split("; ")[1]) == (Level.OK, "the home prompt played on null")
    with caplog.at_level(logging.WARNING):
        level, detail = _voice_check(tmp_path, **{**on, "KIOSK_VOICE__DEVICE": "no-such-pcm"})
    assert level is Level.FAIL and "no-such-pcm" in detail
    shutil.copytree(REPO / "assets" / "voice", tmp_path / "voice")
    (tmp_path / "voice" / "en" / "done.wav").unlink()
    level, detail = _voice_check(tmp_path, **on, KIOSK_VOICE__DIRECTORY=str(tmp_path / "voice"))
    folder = tmp_path / "voice"
    assert level is Level.FAIL and detail == f"prompt files missing in {folder}: en/done.wav"


class FakeIdentity:
    """What drivers.film.dicom_print.PrinterIdentity holds, for a DICOM printer's check."""

    def __init__(self, printer_status: PrinterStatus) -> None:
        self.status = printer_status
        self.attributes = {"PrinterStatus": "NORMAL", "PrinterName": "DRY-1"}
        self.transfer_syntax = "implicit"
        self.presentation_lut = False
        self.summary = "printer name DRY-1, Implicit VR Little Endian, no Presentation LUT"


def test_a_dicom_printer_says_who_it_is_on_its_line_and_in_json() -> None:
    dicom = status(name="KIOSKPRINT", protocol=Protocol.DICOM)
    printer = FakePrinter(dicom, echo=0.004)
    printer.identify = lambda: FakeIdentity(dicom)  # type: ignore[attr-defined]
    report = st.run([st.check_printer("film_printer", printer)], kiosk_id="k", version="0")
    (result,) = report.results
    assert (result.level, result.detail) == (
        Level.OK,
        "C-ECHO 4 ms; KIOSKPRINT: idle, accepting jobs; printer name DRY-1, "
        "Implicit VR Little Endian, no Presentation LUT",
    )
    assert report.to_json()["checks"][0]["info"] == {
        "PrinterStatus": "NORMAL",
        "PrinterName": "DRY-1",
        "TransferSyntax": "implicit",
        "PresentationLUT": "not supported",
    }
    assert (
        "info"
        not in st.run([st.check_disk(Path("/"))], kiosk_id="k", version="0").to_json()["checks"][0]
    )


class FilmQueue(CupsFilmPrinter):
    """A CUPS film queue whose scheduler is not asked: its status and media are given."""

    def __init__(self, media: tuple[str, ...] | None, ready: tuple[str, ...] = ()) -> None:
        super().__init__("KioskIPP", server="/nonexistent.sock")
        self.media, self.ready = media, ready

    def status(self) -> PrinterStatus:
        return status(name="KioskIPP", media_ready=self.ready)

    def media_supported(self) -> tuple[str, ...] | None:
        return self.media


def test_film_printer_must_print_the_configured_size_at_its_true_size() -> None:
    queue = FilmQueue(("custom_14x17in_14x17in", "na_edp_11x14in", "iso_a4_210x297mm"))
    level, detail = verdict(st.check_printer("film_printer", queue, film_size="14INX17IN"))
    assert level is Level.OK
    assert detail == (
        "KioskIPP: idle, accepting jobs; prints 14INX17IN film at its true size "
        "(oe_14x17_14x17in as custom_14x17in_14x17in)"
    )
    level, detail = verdict(st.check_printer("film_printer", queue, film_size="24CMX30CM"))
    assert level is Level.FAIL
    assert "cannot print 24CMX30CM film at its true size" in detail
    assert "om_24x30cm_240x300mm is not in its media-supported" in detail
    assert "it offers 14INX17IN, 11INX14IN, A4" in detail
    raw = FilmQueue(None)  # -m raw: CUPS sends the PDF on untouched, nothing to check
    level, detail = verdict(st.check_printer("film_printer", raw, film_size="24CMX30CM"))
    assert level is Level.OK and "not checked (the queue lists no media)" in detail


def test_film_printer_says_whether_the_configured_size_is_loaded() -> None:
    supported = ("oe_14x17_14x17in", "na_govt-letter_8x10in", "iso_a4_210x297mm")
    loaded = FilmQueue(supported, ready=("oe_14x17_14x17in", "iso_a4_210x297mm"))
    level, detail = verdict(st.check_printer("film_printer", loaded, film_size="14INX17IN"))
    assert level is Level.OK and detail.endswith("as oe_14x17_14x17in), loaded")

    other = FilmQueue(supported, ready=("na_govt-letter_8x10in",))  # a box of 8x10 in
    level, detail = verdict(st.check_printer("film_printer", other, film_size="14INX17IN"))
    assert level is Level.WARN
    assert detail.endswith("but 14INX17IN is not loaded (it has 8INX10IN)")
