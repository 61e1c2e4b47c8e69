"""A camera's live picture for the screen: small, few, and never queued.

The camera thread offers every frame it grabs; the tap keeps one only while someone watches
(:meth:`PreviewTap.start` .. :meth:`PreviewTap.stop`) and at most ``max_fps`` a second. It makes
the frame small (at most ``max_width`` x ``max_height``, never wider than 640 pixels), mirrors
it like a selfie view and turns BGR into RGB, all on the camera's thread. One frame waits at a
time: a frame the screen has not taken yet is replaced, never queued behind, so a busy screen
costs nothing and never shows an old picture. Stopping drops the waiting frame (the picture may
show a patient or their code).

The listener (the screen's signal) is called on the camera thread when a frame starts waiting
or the camera's state changes; it must only schedule work, never do it.
"""

from __future__ import annotations

import enum
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

#: the widest picture the tap makes, whatever the screen asks for
MAX_WIDTH = 640


class CameraState(enum.Enum):
    """What the screen should say about the camera."""

    STARTING = "starting"
    """Being opened; no frame yet."""
    LIVE = "live"
    """Frames are arriving."""
    FAILED = "failed"
    """The camera cannot be opened, or it stopped delivering frames (unplugged)."""


@dataclass(frozen=True)
class PreviewFrame:
    """One small picture, rows top to bottom, tightly packed."""

    data: bytes
    width: int
    height: int
    channels: int
    """1: 8-bit grey; 3: 8-bit RGB."""

    @property
    def bytes_per_line(self) -> int:
        return self.width * self.channels


def shrink(frame: np.ndarray, max_width: int, max_height: int, *, mirror: bool) -> PreviewFrame:
    """``frame`` (BGR, BGRA or grey, 8-bit) fitted into ``max_width`` x ``max_height``, RGB or
    grey, mirrored left to right when ``mirror``."""
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        raise ValueError(f"not an 8-bit image: {frame.dtype} {frame.shape}")
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    rows, cols = frame.shape[:2]
    scale = min(1.0, max_width / cols, max_height / rows)
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    try:
        import cv2
    except ImportError:  # numpy alone: every n-th pixel (coarser, still a picture)
        step = max(1, math.ceil(1 / scale))
        small = frame[::step, ::step]
        if small.ndim == 3:
            small = small[:, :, 2::-1]  # BGR(A) -> RGB
        if mirror:
            small = small[:, ::-1]
    else:
        small = frame
        if scale < 1.0:
            small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            code = cv2.COLOR_BGRA2RGB if small.shape[2] == 4 else cv2.COLOR_BGR2RGB
            small = cv2.cvtColor(small, code)
        if mirror:
            small = cv2.flip(small, 1)
    small = np.ascontiguousarray(small)
    channels = 1 if small.ndim == 2 else 3
    return PreviewFrame(small.tobytes(), small.shape[1], small.shape[0], channels)


class PreviewTap:
    """The mailbox between a camera thread and a screen: one small frame at a time."""

    def __init__(
        self,
        *,
        max_width: int = MAX_WIDTH,
        max_height: int = 480,
        max_fps: float = 10.0,
        mirror: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mirror = mirror
        self.clock = clock
        self.interval = 1.0 / max_fps
        self._lock = threading.Lock()
        self._size = (min(max_width, MAX_WIDTH), max_height)
        self._active = False
        self._generation = 0
        self._last = -math.inf
        self._pending: PreviewFrame | None = None
        self._state = CameraState.STARTING
        self._listener: Callable[[], None] | None = None
        #: frames made small since the tap was built (tests and benchmarks count work with it)
        self.frames_made = 0

    # ------------------------------------------------------------------ the screen's side

    def set_listener(self, listener: Callable[[], None] | None) -> None:
        """``listener()`` is called (on the camera thread) when a frame waits or the state
        changes; then :meth:`take` and :attr:`state` say what."""
        self._listener = listener

    def fit(self, width: int, height: int) -> None:
        """Make frames no larger than ``width`` x ``height`` (the widget showing them)."""
        with self._lock:
            self._size = (max(1, min(width, MAX_WIDTH)), max(1, height))

    def start(self) -> None:
        """Someone watches: keep frames from now on."""
        with self._lock:
            self._active = True
            self._generation += 1
            self._last = -math.inf

    def stop(self) -> None:
        """Nobody watches: keep no frame, drop the one waiting."""
        with self._lock:
            self._active = False
            self._generation += 1
            self._pending = None

    @property
    def active(self) -> bool:
        return self._active

    @property
    def state(self) -> CameraState:
        return self._state

    def take(self) -> PreviewFrame | None:
        """The waiting frame, if any (it no longer waits)."""
        with self._lock:
            frame, self._pending = self._pending, None
        return frame

    # ------------------------------------------------------------------ the camera's side

    def offer(self, frame: np.ndarray) -> bool:
        """A frame from the camera: kept (small) if someone watches and it is time for one."""
        with self._lock:
            now = self.clock()
            if not self._active or now - self._last < self.interval:
                return False
            self._last = now
            generation = self._generation
            width, height = self._size
        try:
            small = shrink(frame, width, height, mirror=self.mirror)
        except ValueError as exc:
            log.debug("preview frame skipped: %s", exc)
            return False
        with self._lock:
            if not self._active or generation != self._generation:
                return False  # stopped while it was being made: not shown, not kept
            notify = self._pending is None
            self._pending = small
            self.frames_made += 1
        if notify:
            self._notify()
        return True

    def set_state(self, state: CameraState) -> None:
        """The camera opened, delivers frames, or failed (failing drops the waiting frame)."""
        with self._lock:
            changed = state is not self._state
            self._state = state
            if state is CameraState.FAILED:
                self._pending = None
        if changed:
            log.debug("camera preview: %s", state.value)
            self._notify()

    def _notify(self) -> None:
        listener = self._listener
        if listener is not None:
            listener()
