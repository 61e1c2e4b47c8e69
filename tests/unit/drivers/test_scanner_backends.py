"""Scanner backends: keyboard wedge (evdev, grabbed), serial over a real pty, camera frames."""

from __future__ import annotations

import os
import tty
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest

from drivers.scanner import hid as hid_module
from drivers.scanner.base import ScannerError, ScanSource
from drivers.scanner.camera_qr import CameraQrScanner
from drivers.scanner.decode import best_decoder
from drivers.scanner.fake import FakeScanner
from drivers.scanner.hid import HidScanner
from drivers.scanner.keymap import KEY_ENTER, KEY_LEFTSHIFT, KeyDecoder
from drivers.scanner.serial import SerialScanner

KEY = {c: code for code, c in enumerate("..1234567890", start=0) if c != "."}
KEY.update({"D": 32, "E": 18, "M": 50, "O": 24, "A": 30, "C": 46, "-": 12})


def _press(code: int) -> list[tuple[int, int]]:
    return [(code, 1), (code, 0)]


def _events(text: str, shifted: bool = True) -> list[tuple[int, int]]:
    events: list[tuple[int, int]] = []
    for char in text:
        if char.isalpha() and shifted:
            events += [(KEY_LEFTSHIFT, 1), *_press(KEY[char]), (KEY_LEFTSHIFT, 0)]
        else:
            events += _press(KEY[char.upper()])
    return [*events, *_press(KEY_ENTER)]


def test_key_codes_become_characters_with_shift_and_enter_ends_the_scan() -> None:
    decoder = KeyDecoder()
    results = [decoder.feed(code, value) for code, value in _events("DEMO-0001")]
    assert [r for r in results if r] == ["DEMO-0001"]
    lower = [decoder.feed(c, v) for c, v in _events("acc12", shifted=False)]
    assert [r for r in lower if r] == ["acc12"]
    assert decoder.feed(KEY_ENTER, 2) is None  # auto-repeat is ignored


@dataclass
class _Event:
    type: int
    code: int
    value: int


class _FakeInputDevice:
    """Stands in for evdev.InputDevice: a pipe to select on, events to read, grab recorded."""

    instances: ClassVar[list[_FakeInputDevice]] = []

    def __init__(self, path: str) -> None:
        if not path.startswith("/dev/input/by-id/"):
            raise FileNotFoundError(path)
        self.name = "Test Scanner"
        self.fd, self._w = os.pipe()
        self.grabbed = False
        self.closed = False
        self.pending: list[_Event] = []
        _FakeInputDevice.instances.append(self)

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def type(self, events: list[tuple[int, int]]) -> None:
        self.pending += [_Event(1, c, v) for c, v in events]
        os.write(self._w, b"x")

    def read(self) -> Iterator[_Event]:
        os.read(self.fd, 1)
        events, self.pending = self.pending, []
        return iter([_Event(4, 4, 0), *events])  # an EV_MSC scan code first, as real scanners

    def close(self) -> None:
        self.closed = True
        os.close(self.fd)
        os.close(self._w)


@pytest.fixture
def fake_evdev(monkeypatch: pytest.MonkeyPatch) -> type[_FakeInputDevice]:
    import evdev

    _FakeInputDevice.instances = []
    monkeypatch.setattr(evdev, "InputDevice", _FakeInputDevice)
    return _FakeInputDevice


def test_hid_scanner_grabs_the_device_and_reads_a_scan(fake_evdev: Any) -> None:
    scanner = HidScanner("/dev/input/by-id/usb-Test_Scanner-event-kbd")
    with scanner:
        device = fake_evdev.instances[0]
        assert device.grabbed  # keystrokes no longer reach the screen
        device.type(_events("DEMO0001"))
        scan = scanner.read(timeout=1)
        assert scan is not None and (scan.text, scan.source) == ("DEMO0001", ScanSource.HID)
        assert scanner.read(timeout=0.05) is None
    assert not device.grabbed and device.closed


def test_hid_scanner_names_what_is_wrong(fake_evdev: Any) -> None:
    with pytest.raises(ScannerError) as info:
        HidScanner("/dev/input/event99").open()
    assert info.value.code == "scanner.not_found"
    assert HidScanner.is_available().ok
    assert hid_module.HidScanner.source is ScanSource.HID


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_scanner_reads_chinese_payloads_over_a_pty(pty_pair: tuple[int, str]) -> None:
    master, port = pty_pair
    with SerialScanner(port) as scanner:
        os.write(master, "电子健康卡:ABC123\r\n".encode())
        os.write(master, "就诊卡 0001\r".encode("gb18030"))
        first = scanner.read(timeout=2)
        second = scanner.read(timeout=2)
        assert first is not None and first.text == "电子健康卡:ABC123"
        assert second is not None and second.text == "就诊卡 0001"
        assert first.source is ScanSource.SERIAL
        # A scanner set to send no suffix: a pause ends the code.
        os.write(master, b"ACC123456")
        third = scanner.read(timeout=2)
        assert third is not None and third.text == "ACC123456"


def test_serial_scanner_port_missing_is_a_scanner_error() -> None:
    with pytest.raises(ScannerError) as info:
        SerialScanner("/dev/ttyNOPE").open()
    assert "/dev/ttyNOPE" in info.value.detail


def _frame(text: str | None) -> np.ndarray:
    frame = np.random.default_rng(3).integers(90, 160, (720, 1280, 3), dtype=np.uint8)
    if text is not None:
        import zxingcpp

        symbol = np.asarray(
            zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=10)
        )
        frame[100 : 100 + symbol.shape[0], 300 : 300 + symbol.shape[1]] = symbol[..., None]
    return frame


def test_camera_reports_a_code_once_while_it_stays_in_view() -> None:
    now = [0.0]
    camera = CameraQrScanner(
        decoder=best_decoder(camera=True), frames=lambda: None, clock=lambda: now[0]
    )
    with_code, empty = _frame("ehc:0123456789"), _frame(None)
    assert camera.process(with_code) == ["ehc:0123456789"]
    now[0] = 1.0
    assert camera.process(with_code) == []  # still held up: not a second scan
    now[0] = 2.0
    assert camera.process(empty) == []
    now[0] = 6.0
    assert camera.process(with_code) == ["ehc:0123456789"]  # shown again later
    scan = camera.read(timeout=0)
    assert scan is not None and scan.source is ScanSource.CAMERA and scan.symbology == "QRCode"


def test_camera_decodes_on_its_own_thread() -> None:
    frames = iter([_frame(None), _frame("ACC123456")])
    camera = CameraQrScanner(decoder=best_decoder(camera=True), frames=lambda: next(frames, None))
    with camera:
        scan = camera.read(timeout=10)
    assert scan is not None and scan.text == "ACC123456"


def test_fake_scanner_and_prefix_stripping() -> None:
    scanner = FakeScanner(["^DEMO0001\r\n", "\r\n"], prefix="^")
    first = scanner.read(timeout=0)
    assert first is not None and first.text == "DEMO0001"
    assert scanner.read(timeout=0) is None  # an empty read is no scan
    assert scanner.read(timeout=0) is None


def test_every_backend_says_whether_it_is_usable() -> None:
    for backend in (HidScanner, SerialScanner, CameraQrScanner, FakeScanner):
        state = backend.is_available()
        assert state.ok or state.missing


def test_the_composition_root_builds_what_the_settings_name() -> None:
    from kiosk_app.app import build_idcard_reader, build_scanner
    from kiosk_app.settings import load

    assert build_scanner(load(None, env={})) is None  # keyboard: the window reads it
    assert build_idcard_reader(load(None, env={})) is None
    hid = build_scanner(
        load(
            None,
            env={
                "KIOSK_SCANNER__BACKEND": "hid",
                "KIOSK_SCANNER__HID_DEVICE": "/dev/input/by-id/usb-X-event-kbd",
            },
        )
    )
    assert isinstance(hid, HidScanner) and hid.path.endswith("usb-X-event-kbd")
    serial = build_scanner(
        load(
            None,
            env={"KIOSK_SCANNER__BACKEND": "serial", "KIOSK_SCANNER__SERIAL_PORT": "/dev/ttyACM0"},
        )
    )
    assert isinstance(serial, SerialScanner) and serial.port == "/dev/ttyACM0"
    reader = build_idcard_reader(load(None, env={"KIOSK_SCANNER__IDCARD_PORT": "/dev/ttyUSB0"}))
    assert reader is not None and reader.port == "/dev/ttyUSB0"  # type: ignore[attr-defined]
