"""QR codes and barcodes from a camera: frames from OpenCV, decoded off the GUI thread.

A worker thread grabs frames, decodes each at half size with the kiosk's decoder
(:mod:`drivers.scanner.decode`, shared with ``kiosk decode``) and queues a scan when a code is
seen. The same code held in front of the camera is reported once until it has been out of
view for ``repeat_after`` seconds.

The same thread offers each frame to :attr:`CameraQrScanner.preview`, which makes a small
picture for the screen only while the screen watches (:mod:`drivers.scanner.preview`). A camera
that cannot be opened, or that delivers no frame for ``lost_after`` seconds (unplugged), makes
:meth:`~drivers.scanner.base.Scanner.read` raise ``camera.lost``, so the device thread closes
it and opens it again later; the preview says FAILED meanwhile.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import numpy as np

from drivers.base import Availability
from drivers.scanner.base import Scanner, ScannerError, ScanSource
from drivers.scanner.decode import BarcodeDecoder, best_decoder, decode_frame
from drivers.scanner.preview import CameraState, PreviewTap

log = logging.getLogger(__name__)

FrameSource = Callable[[], np.ndarray | None]


def opencv_frames(
    index: int, width: int = 1280, height: int = 720
) -> tuple[FrameSource, Callable[[], None]]:
    """A frame grabber for V4L2 camera ``index`` and its release function."""
    import cv2

    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise ScannerError("camera.open", f"camera {index} cannot be opened")
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def grab() -> np.ndarray | None:
        ok, frame = capture.read()
        return frame if ok else None

    return grab, capture.release


def probe_frames(index: int, count: int = 5) -> tuple[int, int]:
    """Grab ``count`` frames from camera ``index`` (installer's check): (rows, columns) of the
    last one.

    Raises:
        ScannerError: ``camera.open`` when the camera cannot be opened or delivers no frame.
    """
    grab, release = opencv_frames(index)
    try:
        frame = None
        for _ in range(count):
            frame = grab()
            if frame is None:
                raise ScannerError("camera.open", f"camera {index} delivers no frames")
    finally:
        release()
    assert frame is not None
    return int(frame.shape[0]), int(frame.shape[1])


class CameraQrScanner(Scanner):
    """Codes seen by a camera. ``frames`` replaces the camera in tests and the demo (a
    :class:`drivers.scanner.fake.FakeCamera`); it may raise ScannerError when it fails."""

    source = ScanSource.CAMERA
    preview: PreviewTap

    def __init__(
        self,
        index: int = 0,
        *,
        decoder: BarcodeDecoder | None = None,
        frames: FrameSource | None = None,
        repeat_after: float = 3.0,
        lost_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        preview: PreviewTap | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.repeat_after = repeat_after
        self.lost_after = lost_after
        self.clock = clock
        #: the live picture for the screen (idle until the screen starts it)
        self.preview = preview or PreviewTap()
        self._decoder = decoder
        self._frames = frames
        self._release: Callable[[], None] | None = None
        self._error: ScannerError | None = None
        self._scans: queue.Queue[tuple[str, str]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_seen: dict[str, float] = {}
        self.frames_decoded = 0

    @classmethod
    def is_available(cls) -> Availability:
        try:
            import cv2  # noqa: F401
        except ImportError as exc:
            return Availability(
                False, f"OpenCV is not installed (pip install opencv-python-headless): {exc}"
            )
        try:
            best_decoder()
        except ScannerError as exc:
            return Availability(False, exc.detail)
        return Availability(True)

    def open(self) -> None:
        if self._thread is not None:
            return
        if self._decoder is None:
            self._decoder = best_decoder(camera=True)
        if self._frames is None:
            try:
                self._frames, self._release = opencv_frames(self.index)
            except ScannerError:
                self.preview.set_state(CameraState.FAILED)
                raise
        self._error = None
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-qr", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        if self._release is not None:
            # The capture was ours: released, and opened afresh next time (a replugged camera).
            self._release()
            self._release = None
            self._frames = None

    def process(self, frame: np.ndarray) -> list[str]:
        """Decode one frame; queue and return the codes that are new (not just seen)."""
        assert self._decoder is not None
        now = self.clock()
        fresh = []
        for code in decode_frame(self._decoder, frame):
            last = self._last_seen.get(code.text)
            self._last_seen[code.text] = now
            if last is None or now - last > self.repeat_after:
                self._scans.put((code.text, code.symbology))
                fresh.append(code.text)
        self.frames_decoded += 1
        return fresh

    def _run(self) -> None:
        frames = self._frames
        assert frames is not None
        missing_since: float | None = None
        while not self._stop.is_set():
            try:
                frame = frames()
            except ScannerError as exc:
                self._fail(exc)
                return
            if frame is None:
                now = self.clock()
                missing_since = now if missing_since is None else missing_since
                if now - missing_since >= self.lost_after:
                    detail = f"camera {self.index} delivered no frame for {self.lost_after:g} s"
                    self._fail(ScannerError("camera.lost", detail))
                    return
                self._stop.wait(0.05)
                continue
            missing_since = None
            self.preview.set_state(CameraState.LIVE)
            self.preview.offer(frame)
            try:
                self.process(frame)
            except ScannerError as exc:
                log.warning("camera frame skipped: %s", exc.detail)

    def _fail(self, exc: ScannerError) -> None:
        """The camera stopped: say so to the preview, and to the next read."""
        self._error = exc
        self.preview.set_state(CameraState.FAILED)

    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        if self._thread is None and self._decoder is None:
            self.open()
        error = self._error
        if error is not None and self._scans.empty():
            raise error
        try:
            return self._scans.get(timeout=timeout)
        except queue.Empty:
            return None
