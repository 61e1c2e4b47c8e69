"""Input without hardware: the demo's typed codes, tests' scripted scans, and a camera that
replays pictures (image files, such as photographs of QR codes, or arrays)."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from drivers.scanner.base import Scanner, ScannerError, ScanSource

Picture = str | os.PathLike[str] | np.ndarray


class FakeScanner(Scanner):
    """Hands out the codes it is given, in order."""

    source = ScanSource.FAKE

    def __init__(self, codes: Iterable[str] = (), *, prefix: str = "") -> None:
        super().__init__(prefix=prefix)
        self._codes: queue.Queue[str] = queue.Queue()
        for code in codes:
            self._codes.put(code)

    def scan(self, code: str) -> None:
        """As if ``code`` was scanned now."""
        self._codes.put(code)

    def _read_raw(self, timeout: float | None) -> tuple[str, str] | None:
        try:
            return self._codes.get(timeout=timeout), ""
        except queue.Empty:
            return None


class FakeCamera:
    """A camera without hardware, for ``CameraQrScanner(frames=FakeCamera(...))``.

    Each call returns the next picture (BGR, as OpenCV's cameras give them; grey pictures stay
    grey), looping, at most ``fps`` a second: like a camera's ``read()``, a call waits for its
    frame. Image files are read on the first call (on the camera thread). :meth:`unplug` makes
    every call fail as a camera pulled out does (``camera.lost``) until :meth:`plug`;
    :meth:`show` changes what is in front of it.
    """

    def __init__(
        self,
        pictures: Sequence[Picture] = (),
        *,
        fps: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 1.0 / fps
        self.sleep = sleep
        self.clock = clock
        self._lock = threading.Lock()
        self._pictures: list[Picture] = list(pictures)
        self._frames: list[np.ndarray] | None = None
        self._next = 0
        self._due = 0.0
        self._plugged = True
        #: frames handed out so far
        self.delivered = 0

    @classmethod
    def from_paths(cls, spec: str, *, fps: float = 15.0) -> FakeCamera:
        """Pictures named by ``spec``: image files and folders of them (``*.png``, ``*.jpg``),
        separated by the path separator (``:`` on Linux); a folder's files in name order."""
        files: list[Picture] = []
        for part in spec.split(os.pathsep):
            path = Path(part).expanduser()
            if path.is_dir():
                files += sorted(
                    p for p in path.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")
                )
            elif part:
                files.append(path)
        return cls(files, fps=fps)

    def show(self, *pictures: Picture) -> None:
        """Put ``pictures`` in front of the camera (in turn, looping), instead of the last ones."""
        with self._lock:
            self._pictures = list(pictures)
            self._frames = None
            self._next = 0

    def unplug(self) -> None:
        self._plugged = False

    def plug(self) -> None:
        self._plugged = True

    def __call__(self) -> np.ndarray | None:
        now = self.clock()
        if now < self._due:
            self.sleep(self._due - now)
        self._due = max(now, self._due) + self.interval
        if not self._plugged:
            raise ScannerError("camera.lost", "the fake camera is unplugged")
        with self._lock:
            if self._frames is None:
                self._frames = [_load(p) for p in self._pictures]
            if not self._frames:
                return None
            frame = self._frames[self._next % len(self._frames)]
            self._next += 1
        self.delivered += 1
        return frame


def _load(picture: Picture) -> np.ndarray:
    if isinstance(picture, np.ndarray):
        return picture
    import cv2

    path = Path(picture)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ScannerError("camera.open", f"{path}: {exc.strerror or exc}") from None
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise ScannerError("camera.open", f"{path}: not a readable image")
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.dtype == np.uint16:  # a 16-bit PNG: its top byte, as an 8-bit camera would see it
        image = np.right_shift(image, 8).astype(np.uint8)
    if image.dtype != np.uint8:
        raise ScannerError("camera.open", f"{path}: {image.dtype} pixels, not 8-bit")
    return np.asarray(image)


def code_frame(text: str, width: int = 1280, height: int = 720, *, scale: int = 8) -> np.ndarray:
    """A synthetic camera frame (BGR): a QR code of ``text`` held up in the middle of a softly
    lit, slightly noisy scene (tests, the demo and screenshots)."""
    import zxingcpp

    rows = np.linspace(70, 150, height, dtype=np.float32)[:, None]
    cols = np.linspace(0, 40, width, dtype=np.float32)[None, :]
    noise = np.random.default_rng(7).normal(0, 4, (height, width)).astype(np.float32)
    scene = rows + cols + noise
    frame = np.clip(np.stack([scene + 10, scene, scene - 10], axis=2), 0, 255).astype(np.uint8)
    symbol = np.asarray(
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=scale)
    )
    if symbol.ndim == 3:
        symbol = symbol[:, :, 0]
    size_r, size_c = symbol.shape
    top, left = (height - size_r) // 2, (width - size_c) // 2
    if top < 0 or left < 0:
        raise ValueError(f"a QR code of {len(text)} characters does not fit {width}x{height}")
    frame[top : top + size_r, left : left + size_c] = symbol[:, :, None]
    return frame
