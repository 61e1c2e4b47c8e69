"""The camera's live picture: small, few, never queued; a fake camera; a camera that fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.scanner.base import ScannerError
from drivers.scanner.camera_qr import CameraQrScanner
from drivers.scanner.decode import best_decoder
from drivers.scanner.fake import FakeCamera, code_frame
from drivers.scanner.preview import MAX_WIDTH, CameraState, PreviewTap, shrink
from tests.conftest import shared_data


def _bgr(rows: int = 720, cols: int = 1280) -> np.ndarray:
    frame = np.zeros((rows, cols, 3), dtype=np.uint8)
    frame[:, : cols // 2] = (255, 0, 0)  # left half blue (BGR)
    frame[:, cols // 2 :] = (0, 0, 255)  # right half red
    return frame


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_frame_is_made_small_rgb_and_mirrored() -> None:
    small = shrink(_bgr(), 640, 480, mirror=True)
    assert (small.width, small.height, small.channels) == (640, 360, 3)
    pixels = np.frombuffer(small.data, np.uint8).reshape(small.height, small.width, 3)
    # mirrored: the red half (right in the camera's view) is on the left, in RGB order
    assert tuple(pixels[180, 10]) == (255, 0, 0)
    assert tuple(pixels[180, 630]) == (0, 0, 255)
    plain = shrink(_bgr(), 640, 480, mirror=False)
    assert tuple(np.frombuffer(plain.data, np.uint8)[:3]) == (0, 0, 255)  # blue, now RGB
    grey = shrink(np.full((100, 200), 77, np.uint8), 640, 480, mirror=True)
    assert (grey.width, grey.height, grey.channels, grey.data[:1]) == (200, 100, 1, b"\x4d")


def test_the_tap_never_makes_a_frame_wider_than_640() -> None:
    tap = PreviewTap(max_width=4000, max_height=4000)
    tap.fit(1920, 1080)
    tap.start()
    assert tap.offer(_bgr(1080, 1920))
    frame = tap.take()
    assert frame is not None and frame.width == MAX_WIDTH == 640 and frame.height == 360


def test_nothing_is_made_while_nobody_watches() -> None:
    tap = PreviewTap()
    assert not tap.offer(_bgr())
    assert tap.take() is None and tap.frames_made == 0


def test_at_most_max_fps_and_one_frame_waits_the_newest() -> None:
    clock, told = _Clock(), []
    tap = PreviewTap(max_fps=10, clock=clock)
    tap.set_listener(lambda: told.append(1))
    tap.start()
    assert tap.offer(_bgr())
    clock.now = 0.05
    assert not tap.offer(_bgr())  # too soon: dropped before any work
    clock.now = 0.1
    newest = _bgr()
    newest[:] = 9
    assert tap.offer(newest)  # replaces the frame nobody took
    assert len(told) == 1  # the screen was told once: one pending frame, not two
    frame = tap.take()
    assert frame is not None and frame.data[:3] == b"\x09\x09\x09"
    assert tap.take() is None
    assert tap.frames_made == 2


def test_stopping_drops_the_waiting_frame_and_failing_too() -> None:
    clock, told = _Clock(), []
    tap = PreviewTap(clock=clock)
    tap.set_listener(lambda: told.append(tap.state))
    tap.start()
    tap.offer(_bgr())
    tap.stop()
    assert tap.take() is None and not tap.active
    tap.start()
    clock.now = 1.0
    tap.offer(_bgr())
    tap.set_state(CameraState.FAILED)
    tap.set_state(CameraState.FAILED)
    assert tap.take() is None
    assert told.count(CameraState.FAILED) == 1  # a state is told once, when it changes


def test_the_scanner_feeds_the_preview_while_it_decodes() -> None:
    camera = FakeCamera([code_frame("DEMO0003")], fps=50)
    scanner = CameraQrScanner(decoder=best_decoder(camera=True), frames=camera)
    scanner.preview.start()
    with scanner:
        scan = scanner.read(timeout=10)
    assert scan is not None and scan.text == "DEMO0003"
    assert scanner.preview.state is CameraState.LIVE
    frame = scanner.preview.take()
    assert frame is not None and frame.width <= 640 and frame.channels == 3


def test_an_unplugged_camera_fails_the_read_and_works_again_when_reopened() -> None:
    camera = FakeCamera([code_frame("DEMO0001")], fps=50)
    scanner = CameraQrScanner(decoder=best_decoder(camera=True), frames=camera)
    with scanner:
        assert scanner.read(timeout=10) is not None
        camera.unplug()
        with pytest.raises(ScannerError) as info:
            for _ in range(40):
                scanner.read(timeout=0.1)
        assert info.value.code == "camera.lost"
    assert scanner.preview.state is CameraState.FAILED
    camera.plug()
    camera.show(code_frame("DEMO0002"))
    with scanner:  # what the device thread does after a failure: open again
        scan = scanner.read(timeout=10)
    assert scan is not None and scan.text == "DEMO0002"
    assert scanner.preview.state is CameraState.LIVE


def test_a_camera_that_delivers_nothing_is_lost() -> None:
    scanner = CameraQrScanner(
        decoder=best_decoder(camera=True), frames=lambda: None, lost_after=0.2
    )
    with scanner, pytest.raises(ScannerError) as info:
        for _ in range(40):
            scanner.read(timeout=0.05)
    assert info.value.code == "camera.lost"
    assert scanner.preview.state is CameraState.FAILED


def test_a_camera_that_cannot_be_opened_says_failed() -> None:
    scanner = CameraQrScanner(63, decoder=best_decoder(camera=True))
    with pytest.raises(ScannerError) as info:
        scanner.open()
    assert info.value.code == "camera.open"
    assert scanner.preview.state is CameraState.FAILED


def test_the_fake_camera_replays_photographs_of_qr_codes(tmp_path: Path) -> None:
    folder = shared_data("barcodes", "qrcode-3")
    expected = (folder / "01.txt").read_text(encoding="utf-8")
    camera = FakeCamera.from_paths(str(folder / "01.png"), fps=50)
    frame = camera()
    assert frame is not None and frame.ndim == 3 and frame.shape[2] == 3  # BGR, as a camera
    scanner = CameraQrScanner(decoder=best_decoder(camera=True), frames=camera)
    with scanner:
        scan = scanner.read(timeout=10)
    assert scan is not None and scan.text == expected.strip("\r\n")
    (tmp_path / "b.png").write_bytes((folder / "02.png").read_bytes())
    (tmp_path / "a.png").write_bytes((folder / "01.png").read_bytes())
    (tmp_path / "notes.txt").write_text("not a picture")
    both = FakeCamera.from_paths(str(tmp_path), fps=1000)
    first, second, third = both(), both(), both()
    assert first is not None and second is not None and third is not None
    assert np.array_equal(first, third) and not np.array_equal(first, second)


def test_a_picture_that_cannot_be_read_fails_like_a_camera(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"not a png")
    camera = FakeCamera.from_paths(str(tmp_path / "bad.png"))
    with pytest.raises(ScannerError) as info:
        camera()
    assert info.value.code == "camera.open"


def test_the_settings_can_name_pictures_to_replay_instead_of_a_camera() -> None:
    from kiosk_app.app import build_scanner
    from kiosk_app.settings import load

    folder = shared_data("barcodes", "qrcode-3")
    env = {"KIOSK_SCANNER__BACKEND": "camera", "KIOSK_SCANNER__CAMERA_REPLAY": str(folder)}
    scanner = build_scanner(load(None, env=env))
    assert isinstance(scanner, CameraQrScanner) and scanner.preview is not None
    with scanner:
        scan = scanner.read(timeout=10)
    assert scan is not None and scan.text == (folder / "01.txt").read_text("utf-8").strip("\r\n")
