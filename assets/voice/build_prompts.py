"""Build the kiosk's spoken prompts: one WAV file per patient screen and locale, with espeak-ng.

Run by developers, not by the kiosk::

    .venv/bin/python assets/voice/build_prompts.py            # rewrite assets/voice/<locale>/*.wav
    .venv/bin/python assets/voice/build_prompts.py OUT_DIR    # write OUT_DIR/<locale>/*.wav

The sentences are the message catalogue's ``voice.<screen>`` ids (``kiosk_app/core/messages.py``),
so the words on record are reviewed with the screens' text. espeak-ng (Debian package
``espeak-ng``) speaks them at 22.05 kHz: English with its ``en-gb`` voice, Chinese as tone-numbered
pinyin (``pypinyin``, the ``voice`` extra: ``pip install -e .[voice]``) with its
``cmn-latn-pinyin`` voice, because Debian's Mandarin dictionary lacks most characters and spells
them out. This script trims the silence around each, resamples it to 16 kHz mono 16-bit PCM
(band-limited, through the FFT), and brings its peak to -3 dBFS, so all prompts sound equally
loud. Synthesised speech is a stand-in: a site can replace any file
with a recording of its own (same name, any PCM WAV that ``aplay`` plays), or point
``[voice] directory`` at a folder of recordings.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

from kiosk_app.core import messages
from kiosk_app.services.voice import LOCALES, PROMPTS

HERE = Path(__file__).resolve().parent
RATE = 16000
#: espeak-ng voice and speed (words a minute) per locale; English a little slower than
#: espeak's 175, for elderly patients (its Mandarin is slow already)
VOICES = {"zh_CN": ("cmn-latn-pinyin", 175), "en": ("en-gb", 160)}
#: full-width punctuation as espeak-ng pauses on it
_PUNCTUATION = str.maketrans({"，": ",", "。": ".", "！": "!", "？": "?", "、": ",", "：": ":"})
PEAK = 0.708  # -3 dBFS
MARGIN_S = 0.08


def speak(text: str, locale: str) -> tuple[np.ndarray, int]:
    """espeak-ng's rendering of ``text``: float samples in [-1, 1] and their rate."""
    voice, speed = VOICES[locale]
    if locale == "zh_CN":
        text = pinyin(text)
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(fix_stream_header(wav))) as src:
        if src.getsampwidth() != 2 or src.getnchannels() != 1:
            raise SystemExit("espeak-ng: expected 16-bit mono output")
        frames = src.readframes(src.getnframes())
        rate = src.getframerate()
    return np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0, rate


def pinyin(text: str) -> str:
    """Chinese text as tone-numbered pinyin (``ni3 hao3``), punctuation kept for the pauses."""
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:
        raise SystemExit("build_prompts: needs pypinyin (pip install -e .[voice])") from None
    syllables = lazy_pinyin(
        text.translate(_PUNCTUATION), style=Style.TONE3, neutral_tone_with_five=True
    )
    return " ".join(s.strip() for s in syllables if s.strip())


def fix_stream_header(wav: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot seek back: its RIFF and data sizes are left at
    0x7FFFFFFF-ish placeholders. Put the real sizes in."""
    data_at = wav.find(b"data")
    if wav[:4] != b"RIFF" or data_at < 0:
        raise SystemExit("espeak-ng: not a WAV stream")
    size = len(wav) - (data_at + 8)
    out = bytearray(wav)
    out[4:8] = (len(wav) - 8).to_bytes(4, "little")
    out[data_at + 4 : data_at + 8] = size.to_bytes(4, "little")
    return bytes(out)


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Without the silence before and after the speech (keeping a short margin)."""
    loud = np.flatnonzero(np.abs(samples) > 0.01 * max(np.abs(samples).max(), 1e-9))
    if loud.size == 0:
        return samples
    margin = int(MARGIN_S * rate)
    return samples[max(loud[0] - margin, 0) : loud[-1] + margin + 1]


def resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Band-limited resampling through the FFT (the clip is short enough to do it whole)."""
    if rate == new_rate:
        return samples
    n = samples.size
    m = round(n * new_rate / rate)
    spectrum = np.fft.rfft(samples)
    return np.fft.irfft(spectrum[: m // 2 + 1], m) * (m / n)


def pcm16(samples: np.ndarray) -> bytes:
    peak = max(np.abs(samples).max(), 1e-9)
    scaled = np.clip(np.round(samples / peak * PEAK * 32767), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def write_wav(path: Path, frames: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(RATE)
        dst.writeframes(frames)


def build(out: Path) -> list[Path]:
    written = []
    for locale in LOCALES:
        for prompt in PROMPTS:
            text = messages.text(f"voice.{prompt}", locale)
            samples, rate = speak(text, locale)
            frames = pcm16(resample(trim(samples, rate), rate, RATE))
            path = out / locale / f"{prompt}.wav"
            write_wav(path, frames)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=HERE, help="default: this folder")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print(
            "build_prompts: espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr
        )
        return 1
    for path in build(args.out):
        with wave.open(str(path)) as w:
            seconds = w.getnframes() / w.getframerate()
        print(f"{path}  {seconds:.1f} s  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
