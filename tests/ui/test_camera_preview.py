"""The camera's live picture on the home screen: a fake camera replaying photographs of QR codes
into the real demo window."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QImage

from drivers.scanner.camera_qr import CameraQrScanner
from drivers.scanner.decode import BarcodeDecoder, DecodedCode, best_decoder
from drivers.scanner.fake import FakeCamera, code_frame
from drivers.scanner.preview import CameraState
from kiosk_app.app import Devices
from kiosk_app.ui import devices as devices_module
from kiosk_app.ui.devices import DeviceReader
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.widgets.camera_preview import CameraPreview
from tests.conftest import shared_data
from tests.ui.conftest import demo_settings, shown_window, texts_of

pytestmark = pytest.mark.ui


class GatedDecoder(BarcodeDecoder):
    """The kiosk's decoder, finding nothing until the test opens the gate (so the home screen
    stays up long enough to look at the picture)."""

    name = "gated"

    def __init__(self, *, camera: bool = True) -> None:
        self.inner = best_decoder(camera=camera)
        self.gate = threading.Event()

    @classmethod
    def is_available(cls):  # type: ignore[no-untyped-def]
        return best_decoder().is_available()

    def decode(self, gray: np.ndarray) -> list[DecodedCode]:
        return self.inner.decode(gray) if self.gate.is_set() else []


def grey_of(image: QImage) -> np.ndarray:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(grey.constBits(), np.uint8, count=grey.sizeInBytes())
    return rows.reshape(grey.height(), grey.bytesPerLine())[:, : grey.width()].copy()


def shown_picture(preview: CameraPreview) -> np.ndarray:
    """The pixels the preview shows, as grey, cropped to the picture (the guide frame on it)."""
    shot = grey_of(preview.view.grab().toImage())
    rect = preview.view.picture_rect().toAlignedRect()
    return shot[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]


def resembles(shown: np.ndarray, frame: np.ndarray) -> float:
    """Correlation of what is shown with the camera's frame, mirrored and scaled alike."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    expected = cv2.flip(cv2.resize(grey, (shown.shape[1], shown.shape[0])), 1)
    return float(np.corrcoef(shown.ravel(), expected.ravel().astype(np.float64))[0, 1])


@pytest.fixture
def camera() -> FakeCamera:
    return FakeCamera(fps=30)


@pytest.fixture
def decoder() -> GatedDecoder:
    return GatedDecoder()


@pytest.fixture
def window(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, camera: FakeCamera, decoder: GatedDecoder, monkeypatch
) -> Iterator[KioskWindow]:
    monkeypatch.setattr(devices_module, "RETRY_AFTER", 0.2)  # a replugged camera, quickly
    scanner = CameraQrScanner(decoder=decoder, frames=camera, lost_after=0.5)
    settings = demo_settings(tmp_path, KIOSK_SCANNER__BACKEND="camera")
    yield from shown_window(qtbot, settings, Devices(scanner=scanner))


def preview_of(window: KioskWindow) -> CameraPreview:
    preview = window.home.preview
    assert preview is not None
    return preview


def test_the_home_screen_shows_the_camera_and_a_decoded_code_starts_the_visit(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    camera: FakeCamera,
    decoder: GatedDecoder,
) -> None:
    folder = shared_data("barcodes", "qrcode-3")
    photo = folder / "01.png"
    expected = (folder / "01.txt").read_text(encoding="utf-8").strip("\r\n")
    preview = preview_of(window)
    camera.show(photo)
    qtbot.waitUntil(lambda: preview.image is not None, timeout=5000)
    assert preview.image is not None and preview.image.width() <= 640
    shown = shown_picture(preview)
    assert shown.std() > 20  # a picture, not a flat placeholder
    frame = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    assert resembles(shown, frame) > 0.8  # the photograph, mirrored like a selfie view
    assert "请将二维码对准框内" in texts_of(window.home)
    # the code is seen: the visit starts as it does for any scanner (this one is not a code
    # the kiosk knows, so the patient is told so)
    device = window.findChild(DeviceReader)
    assert device is not None
    read: list[str] = []
    device.code_read.connect(read.append)
    with qtbot.waitSignal(window.bridge.find_failed, timeout=30000) as failed:
        decoder.gate.set()
    assert read == [expected]
    assert failed.args[0] == "code.unknown"
    assert window.stack.currentWidget() is not window.home
    # away from home: no picture kept, no frame waiting, no more frames made
    assert not preview.running and preview.image is None
    assert preview.tap.take() is None
    made = preview.tap.frames_made
    qtbot.wait(400)
    assert preview.tap.frames_made == made


def test_a_qr_code_of_an_exam_lists_the_exams_and_home_starts_the_picture_again(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    camera: FakeCamera,
    decoder: GatedDecoder,
) -> None:
    preview = preview_of(window)
    decoder.gate.set()
    with qtbot.waitSignal(window.bridge.found, timeout=30000):
        camera.show(code_frame("DEMO0003"))
    assert window.stack.currentWidget() is window.exams
    assert preview.image is None and not preview.running
    camera.show(np.full((720, 1280, 3), 128, np.uint8))  # the patient took the code away
    window.go_home()
    assert preview.running
    qtbot.waitUntil(lambda: preview.image is not None, timeout=5000)
    # the maintenance login hides home: the picture stops and is let go of
    window.open_login()
    assert preview.image is None and not preview.running


def test_a_camera_that_fails_shows_a_calm_sentence_and_comes_back(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    camera: FakeCamera,
) -> None:
    preview = preview_of(window)
    camera.show(code_frame("DEMO0001"))
    qtbot.waitUntil(lambda: preview.image is not None, timeout=5000)
    camera.unplug()
    qtbot.waitUntil(lambda: preview.tap.state is CameraState.FAILED, timeout=5000)
    qtbot.waitUntil(lambda: preview.image is None, timeout=2000)
    assert preview.view.message.isVisible()
    assert "摄像头暂时无法使用" in preview.view.message.text()
    assert preview.caption.text() == "摄像头扫码区"  # the way's name, no "hold it here"
    field = grey_of(preview.view.grab().toImage())
    assert np.mean(field == np.bincount(field.ravel()).argmax()) > 0.8  # text on a plain field
    window.set_language("en")
    assert "camera is not working" in preview.view.message.text()
    camera.plug()  # replugged: the device thread opens it again
    qtbot.waitUntil(lambda: preview.image is not None, timeout=5000)
    assert preview.tap.state is CameraState.LIVE and not preview.view.message.isVisible()
    assert preview.caption.text() == "Hold the code here"


def test_a_camera_that_never_opens_shows_the_sentence(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    camera = FakeCamera(fps=30)
    camera.unplug()
    scanner = CameraQrScanner(decoder=best_decoder(camera=True), frames=camera)
    win = create_window(
        demo_settings(tmp_path, KIOSK_SCANNER__BACKEND="camera"),
        Devices(scanner=scanner, card_reader=None),
    )
    qtbot.addWidget(win)
    win.show()
    preview = preview_of(win)
    qtbot.waitUntil(lambda: "摄像头暂时无法使用" in preview.view.message.text(), timeout=5000)
    assert preview.image is None
    win.bridge.wait_idle()


def test_without_a_camera_there_is_no_preview(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = create_window(demo_settings(tmp_path), Devices())
    qtbot.addWidget(win)
    win.show()
    assert win.home.preview is None
    assert not win.findChildren(CameraPreview)
    assert "摄像头扫码区" not in texts_of(win.home)
    win.bridge.wait_idle()


def test_the_picture_is_never_more_than_ten_a_second(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    camera: FakeCamera,
) -> None:
    preview = preview_of(window)
    camera.show(code_frame("DEMO0001"))
    qtbot.waitUntil(lambda: preview.image is not None, timeout=5000)
    start, made = time.monotonic(), preview.tap.frames_made
    qtbot.wait(1000)
    rate = (preview.tap.frames_made - made) / (time.monotonic() - start)
    assert 1 <= rate <= 11  # the camera gives 30 a second; the screen gets at most ~10
