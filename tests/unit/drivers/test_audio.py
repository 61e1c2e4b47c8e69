"""The voice prompts' player: really through ALSA's aplay (its ``null`` device), and its failures
told once in the log, never raised."""

from __future__ import annotations

import io
import logging
import wave
from pathlib import Path

import numpy as np
import pytest

from drivers.audio.aplay import AplayPromptPlayer, scaled_wav
from drivers.audio.fake import FakePromptPlayer
from kiosk_app.settings import VOICE_PROMPTS

SHIPPED = VOICE_PROMPTS / "zh_CN" / "printing.wav"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("drivers.audio") and r.levelno >= logging.WARNING
    ]


def test_aplay_plays_a_shipped_prompt_to_its_end_on_the_null_device(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert AplayPromptPlayer.is_available().ok, "aplay missing: apt-get install alsa-utils"
    player = AplayPromptPlayer(device="null")
    player.play(SHIPPED)  # returns at once: the sound card is never waited for on the caller
    assert player.wait(30) == 0
    player.play(SHIPPED)
    assert player.wait(30) == 0
    assert not player.broken and warnings_of(caplog) == []


def slow_player(tmp_path: Path) -> str:
    """An ``aplay`` stand-in that takes the file, then plays for a minute (ALSA's null device
    does not play in real time, so it cannot show a prompt being cut short)."""
    script = tmp_path / "slow-aplay"
    script.write_text("#!/bin/sh\ncat > /dev/null\nexec sleep 60\n")
    script.chmod(0o755)
    return str(script)


def test_a_new_prompt_stops_the_one_playing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    player = AplayPromptPlayer(device="null", program=slow_player(tmp_path))
    player.play(SHIPPED)
    first = player._thread
    assert first is not None and first.is_alive()
    player.play(SHIPPED)
    first.join(5)
    assert not first.is_alive(), "the first prompt went on playing"
    player.stop()
    status = player.wait(5)
    assert status is None or status < 0  # never started, or ended by our signal
    assert not player.broken and warnings_of(caplog) == []
    player.close()


def test_a_missing_file_is_one_warning_and_the_other_prompts_still_play(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    player = AplayPromptPlayer(device="null")
    for _ in range(3):
        player.play(tmp_path / "nope.wav")
        player.wait(5)
    assert len(warnings_of(caplog)) == 1
    assert "nope.wav" in warnings_of(caplog)[0]
    player.play(SHIPPED)
    assert player.wait(30) == 0


def test_a_missing_player_is_one_warning_then_silence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    player = AplayPromptPlayer(device="null", program=str(tmp_path / "no-aplay"))
    for _ in range(3):
        player.play(SHIPPED)
        player.wait(5)
    assert len(warnings_of(caplog)) == 1
    assert "voice prompts off" in warnings_of(caplog)[0] and player.broken


def test_a_device_that_fails_is_one_warning_then_silence(caplog: pytest.LogCaptureFixture) -> None:
    player = AplayPromptPlayer(device="no_such_kiosk_device")
    player.play(SHIPPED)
    status = player.wait(30)
    assert status is not None and status > 0
    for _ in range(2):
        player.play(SHIPPED)
        player.wait(5)
    assert len(warnings_of(caplog)) == 1
    assert "no_such_kiosk_device" in warnings_of(caplog)[0]


def _samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_volume_scales_16_bit_samples() -> None:
    full = _samples(scaled_wav(SHIPPED, 100))
    half = _samples(scaled_wav(SHIPPED, 50))
    assert full.size == half.size
    assert abs(int(np.abs(half).max()) - int(np.abs(full).max()) // 2) <= 1


def test_a_quiet_player_still_plays_through_aplay(caplog: pytest.LogCaptureFixture) -> None:
    player = AplayPromptPlayer(device="null", volume=30)
    player.play(SHIPPED)
    assert player.wait(30) == 0 and warnings_of(caplog) == []


def test_the_fake_player_records_in_order() -> None:
    player = FakePromptPlayer()
    player.play(Path("a.wav"))
    player.play(Path("b.wav"))
    player.stop()
    assert player.played == [Path("a.wav"), Path("b.wav")] and player.stops == 1
