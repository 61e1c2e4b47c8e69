"""Barcode engines side by side on camera-like frames: median ms per frame and success rate.

Frames are 1280x720 and 1920x1080 greyscale pictures of a QR code as a camera at a kiosk sees
a phone screen or a printed slip: on a noisy, unevenly lit background, tilted in perspective,
blurred and at low contrast. Every engine decodes the same frames in one run, at full size and
after halving (2x2 average), which is what the kiosk does (``decode_frame``). A frame counts as
a success when the exact payload comes back.

Not a test: numbers vary with the machine and its load. Run:
.venv/bin/python benchmarks/decode.py [--frames 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import cv2
import numpy as np
import zxingcpp

from drivers.scanner.decode import ENGINES, BarcodeDecoder, halve

SIZES = ((1280, 720), (1920, 1080))
PAYLOADS = (
    "ACC20261126000123",
    "EHC:6D3F0A9B2C7E41D8A5F3B1C9E2D7A4F6:1:01",
    "ybmQ1w2E3r4T5y6U7i8O9p0AbCdEfGhIjKlMn",
    "KT1.eyJqdGkiOiJ2LTQyIiwicGlkIjoiSEMwMDAwMDAwMSIsImV4cCI6MTc2NDE1MDAwMH0."
    "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eA",
    "电子健康卡:440106199001011234:A1B2C3",
)


def qr_modules(text: str) -> np.ndarray:
    """The symbol with a 4-module quiet zone, one pixel per module (0 black, 255 white)."""
    image = np.asarray(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image())
    return np.pad(image, 4, constant_values=255)


def camera_frame(text: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    width, height = size
    symbol = qr_modules(text)
    # Module size in the frame: a code filling 15-40 % of the frame height.
    side = int(height * rng.uniform(0.28, 0.55))
    big = cv2.resize(symbol, (side, side), interpolation=cv2.INTER_NEAREST)
    # Background: uneven light plus texture.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 110 + 60 * np.sin(xx / width * rng.uniform(1, 3) + rng.uniform(0, 3)) * np.cos(
        yy / height * rng.uniform(1, 2)
    )
    frame = light + rng.normal(0, 18, (height, width)).astype(np.float32)
    # Low contrast: the code's black and white land 60-140 grey levels apart.
    dark, span = rng.uniform(40, 90), rng.uniform(60, 140)
    code = dark + (big.astype(np.float32) / 255.0) * span
    # Perspective: corners moved by up to 12 % of the side.
    x0 = rng.uniform(0.05, 0.95) * (width - side)
    y0 = rng.uniform(0.05, 0.95) * (height - side)
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    jitter = rng.uniform(-0.12, 0.12, (4, 2)).astype(np.float32) * side
    dst = src + jitter + np.float32([x0, y0])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(code, matrix, (width, height), borderValue=-1)
    mask = cv2.warpPerspective(np.ones_like(code), matrix, (width, height), flags=cv2.INTER_NEAREST)
    frame = np.where(mask > 0, warped, frame)
    # Focus blur and sensor noise.
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.6, 2.2))
    frame += rng.normal(0, rng.uniform(3, 9), frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def measure(
    decoder: BarcodeDecoder, frames: list[tuple[np.ndarray, str]], half: bool
) -> tuple[float, float]:
    times, hits = [], 0
    for frame, text in frames:
        start = time.perf_counter()
        codes = decoder.decode(halve(frame) if half else frame)
        times.append((time.perf_counter() - start) * 1000)
        hits += any(c.text == text for c in codes)
    return statistics.median(times), hits / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=60, help="frames per size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    engines = {name: cls(camera=True) for name, cls in ENGINES.items() if cls.is_available().ok}
    engines["zxing-cpp (all symbologies)"] = ENGINES["zxing-cpp"](camera=False)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}; {args.frames} frames per size, seed {args.seed}"
    )
    print(f"{'engine':28} {'frame':>10} {'input':>9} {'median ms':>10} {'success':>8}")
    for size in SIZES:
        frames = [
            (camera_frame(text, size, rng), text)
            for text in (PAYLOADS[i % len(PAYLOADS)] for i in range(args.frames))
        ]
        for name, decoder in engines.items():
            for half in (False, True):
                ms, rate = measure(decoder, frames, half)
                shown = f"{size[0] // 2}x{size[1] // 2}" if half else f"{size[0]}x{size[1]}"
                print(f"{name:28} {size[0]}x{size[1]:<5} {shown:>9} {ms:10.2f} {rate:8.0%}")
    print(
        "The kiosk decodes camera frames with zxing-cpp (QR only) after halving "
        "(drivers.scanner.decode.decode_frame); still images with all symbologies."
    )


if __name__ == "__main__":
    main()
