"""Comparing the kiosk's render of a frame with dcmtk's (``kiosk render`` against ``dcmj2pnm``).

Shared by tests/e2e/test_film_cli.py (the public corpus as it is) and
tests/e2e/test_film_transfer_syntaxes.py (the corpus re-encoded into every transfer syntax).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_modality_lut

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "data" / "dicom"
DCMJ2PNM = "/usr/bin/dcmj2pnm"
DCMDJPLS = "/usr/bin/dcmdjpls"  # dcmj2pnm reads JPEG-LS once dcmtk's own tool decompresses it


def corpus(name: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"public DICOM corpus not found at {CORPUS} (MANIFEST.tsv lists it)")
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus at {CORPUS}")
    return path


def need_dcmtk(*tools: str) -> None:
    for tool in (DCMJ2PNM, *tools):
        if not os.access(tool, os.X_OK):
            pytest.skip(f"{tool} not installed (Debian package dcmtk, scripts/setup.sh)")


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def read(path: Path) -> pydicom.Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


def grey(png: Path) -> np.ndarray:
    pixels = np.asarray(Image.open(png)).astype(np.float64)
    if pixels.ndim == 3:  # dcmtk's colour output, as the luminance a film shows
        pixels = pixels[..., :3] @ np.array([0.299, 0.587, 0.114])
    return pixels


def has_window(ds: pydicom.Dataset) -> bool:
    return ds.get("WindowCenter") not in (None, "") and ds.get("WindowWidth") not in (None, "")


def padding_mask(ds: pydicom.Dataset, stored: np.ndarray) -> np.ndarray:
    if ds.get("PixelPaddingValue") is None:
        return np.zeros(stored.shape, dtype=bool)
    return np.asarray(stored == int(ds.PixelPaddingValue))


def content_window(ds: pydicom.Dataset) -> tuple[float, float]:
    """A window over the middle (2nd..98th percentile) of the content's modality values."""
    try:
        values = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    except TypeError:  # an empty Modality LUT Sequence (ignored by both programs)
        values = ds.pixel_array.astype(np.float64)
    content = values[~padding_mask(ds, ds.pixel_array)]
    low, high = np.percentile(content, [2, 98])
    return round(float(low + high) / 2, 2), round(max(float(high - low), 2.0), 2)


def windows_for(ds: pydicom.Dataset) -> list[tuple[float, float]]:
    """The file's windows (two at most), and one over the middle of its content's values."""
    found = []
    if has_window(ds):
        centers = ds.WindowCenter if ds["WindowCenter"].VM > 1 else [ds.WindowCenter]
        widths = ds.WindowWidth if ds["WindowWidth"].VM > 1 else [ds.WindowWidth]
        found = [(float(c), float(w)) for c, w in zip(centers, widths, strict=False)][:2]
    found.append(content_window(ds))
    return found


def render_difference(
    path: Path,
    dcmtk_input: Path,
    ours: Sequence[str],
    theirs: Sequence[str],
    out: Path,
    reference: pydicom.Dataset,
    label: str,
) -> float:
    """Mean |kiosk - dcmtk| over the frame's non-padding pixels, in grey levels.

    ``path`` goes to ``kiosk render`` with options ``ours`` (``--frame N`` from 0 among
    them), ``dcmtk_input`` to ``dcmj2pnm`` with options ``theirs``; ``reference`` is a dataset
    whose ``pixel_array`` holds the frame's stored values (for the padding mask); the PNGs are
    written as ``out``-kiosk.png and ``out``-dcmtk.png.
    """
    mine, dcmtk = out.with_name(f"{out.name}-kiosk.png"), out.with_name(f"{out.name}-dcmtk.png")
    run = kiosk("render", str(path), *ours, "-o", str(mine))
    assert run.returncode == 0, f"{label}: {run.stderr}"
    subprocess.run(
        [DCMJ2PNM, "+on", *theirs, str(dcmtk_input), str(dcmtk)], check=True, capture_output=True
    )
    a, b = grey(mine), grey(dcmtk)
    assert a.shape == b.shape, f"{label}: {a.shape} vs dcmtk {b.shape}"
    frame = int(ours[list(ours).index("--frame") + 1]) if "--frame" in ours else 0
    stored = reference.pixel_array
    if int(reference.get("NumberOfFrames") or 1) > 1:
        stored = stored[frame]
    colour = reference.PhotometricInterpretation not in ("MONOCHROME1", "MONOCHROME2")
    keep = ~padding_mask(reference, stored) if not colour else np.ones(a.shape[:2], dtype=bool)
    return float(np.abs(a - b)[keep].mean())
