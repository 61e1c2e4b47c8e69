"""Prompts through ALSA's ``aplay`` (alsa-utils), one at a time, off the caller's thread.

Each prompt gets a short-lived thread that reads the WAV file (scaling 16-bit samples when the
volume is below 100 %), starts ``aplay -q -D <device> -`` and feeds it the file on standard
input; a new prompt or :meth:`stop` terminates the one playing. The caller (the screen's thread)
never waits for the sound card.

Failures are told once: without the ``aplay`` program, or when ``aplay`` exits with an error
(no such device, device busy for good), one WARNING and the player goes silent for the rest of
its life; a missing or unreadable prompt file is one WARNING per file, and the other prompts
still play.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np

from drivers.audio.base import PromptPlayer
from drivers.base import Availability

log = logging.getLogger(__name__)


def scaled_wav(path: Path, volume: int) -> bytes:
    """The WAV file's bytes, with 16-bit PCM samples scaled to ``volume`` percent.

    Other sample formats are returned unchanged (a site's own recordings play at their level).
    Raises OSError or ``wave.Error`` when the file cannot be read as a WAV file.
    """
    data = path.read_bytes()
    if volume >= 100:
        return data
    with wave.open(io.BytesIO(data)) as src:
        params = src.getparams()
        frames = src.readframes(params.nframes)
    if params.sampwidth != 2 or params.comptype != "NONE":
        return data
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) * (volume / 100.0)
    out = io.BytesIO()
    with wave.open(out, "wb") as dst:
        dst.setparams(params)
        dst.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return out.getvalue()


class AplayPromptPlayer(PromptPlayer):
    """Plays WAV files with ``aplay`` on an ALSA ``device`` (``default``, ``plughw:1,0``, ``null``).

    Args:
        device: the ALSA PCM name given to ``aplay -D``.
        volume: 0-100, percent of the file's own level (16-bit PCM files); 0 plays nothing.
        program: the ``aplay`` executable (a name looked up in PATH, or a path).
    """

    def __init__(self, *, device: str = "default", volume: int = 100, program: str = "aplay"):
        self.device = device
        self.volume = max(0, min(100, int(volume)))
        self.program = program
        #: exit status of the prompt started last (None: still playing, or it never started)
        self.last_status: int | None = None
        self.broken = ""
        """Why this player went silent for good (empty: it plays)."""
        self._lock = threading.Lock()
        self._generation = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()

    @classmethod
    def is_available(cls) -> Availability:
        if shutil.which("aplay") is None:
            return Availability(False, "aplay (Debian package alsa-utils)")
        return Availability(True)

    def play(self, path: Path) -> None:
        with self._lock:
            self._generation += 1
            self._terminate_locked()
            self.last_status = None
            if self.broken or self.volume == 0:
                return
            thread = threading.Thread(
                target=self._run, args=(self._generation, Path(path)), name="voice", daemon=True
            )
            self._thread = thread
        thread.start()

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            self._terminate_locked()

    def close(self) -> None:
        self.stop()
        thread = self._thread
        if thread is not None:
            thread.join(2.0)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the prompt started last to end; its exit status (None: still playing, or
        it never started)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return None
        return self.last_status

    # ------------------------------------------------------------------ the prompt's thread
    def _run(self, generation: int, path: Path) -> None:
        try:
            data = scaled_wav(path, self.volume)
        except (OSError, wave.Error, EOFError) as exc:
            self._warn_once(
                f"file:{path}", "voice prompt %s cannot be played (%s); skipped", path, exc
            )
            return
        with self._lock:
            if generation != self._generation or self.broken:
                return  # stopped, or a newer prompt came, while the file was read
            try:
                proc = subprocess.Popen(
                    [self.program, "-q", "-D", self.device, "-"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except OSError as exc:
                self._break(f"{self.program} cannot be run ({exc.strerror or exc})")
                return
            self._proc = proc
        try:
            _out, err = proc.communicate(data)
        except OSError:  # stdin closed under us by a stop: the process is ending anyway
            proc.wait()
            err = b""
        with self._lock:
            if self._proc is proc:
                self._proc = None
            self.last_status = proc.returncode
            # A negative status is a signal: our own stop. A positive one is aplay's error.
            if proc.returncode > 0 and not self.broken:
                reason = (err or b"").decode(errors="replace").strip().splitlines()
                detail = reason[0] if reason else f"exit status {proc.returncode}"
                self._break(f"{self.program} -D {self.device} failed: {detail}")

    # ------------------------------------------------------------------ helpers (lock held)
    def _terminate_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):  # it ended meanwhile
                proc.terminate()

    def _break(self, why: str) -> None:
        self.broken = why
        log.warning("voice prompts off: %s", why)

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        with self._lock:
            if key in self._warned:
                log.debug(message, *args)
                return
            self._warned.add(key)
        log.warning(message, *args)
