"""Film sheets as a PDF: one page per sheet, at the sheet's physical size, pixels kept exactly.

A film printer behind CUPS (or the demo printer) receives composed sheets as a PDF. Each page is
exactly ``columns / dpi`` by ``rows / dpi`` inches and holds one 8-bit DeviceGray image XObject,
Flate-compressed: no resampling, no JPEG, so the printer gets the pixels the film engine made.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import numpy as np
from PIL import Image
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from drivers.base import FilmSheet

POINTS_PER_INCH = 72

# reportlab picks its stream filters from the process-wide ``rl_config.useA85``; with the default
# (on) every image is ASCII85-encoded on top of Flate, 25 % bigger for nothing. It has no
# per-canvas switch, so it is turned off around our own rendering only, one rendering at a time.
_RL_CONFIG_LOCK = threading.Lock()


def page_size_points(sheet: FilmSheet) -> tuple[float, float]:
    """The sheet's physical (width, height) in PDF points: pixels / dpi inches."""
    rows, columns = sheet.pixels.shape
    return columns * POINTS_PER_INCH / sheet.dpi, rows * POINTS_PER_INCH / sheet.dpi


def _check(sheet: FilmSheet, index: int) -> None:
    pixels = sheet.pixels
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise ValueError(
            f"sheet {index}: pixels must be a 2-D uint8 array, got {pixels.dtype} {pixels.shape}"
        )
    if min(pixels.shape) == 0:
        raise ValueError(f"sheet {index}: empty pixel array {pixels.shape}")
    if sheet.dpi <= 0:
        raise ValueError(f"sheet {index}: dpi must be positive, got {sheet.dpi}")


def sheets_to_pdf(sheets: Sequence[FilmSheet], title: str = "") -> bytes:
    """Render sheets as a PDF, one page per sheet, losslessly.

    Args:
        sheets: at least one sheet; each ``pixels`` a 2-D ``uint8`` array.
        title: document title stored in the PDF's metadata (may be empty).

    Returns:
        The PDF file's bytes.

    Raises:
        ValueError: no sheets, or a sheet that is not 2-D 8-bit with a positive dpi.
    """
    if not sheets:
        raise ValueError("no sheets to render")
    for index, sheet in enumerate(sheets):
        _check(sheet, index)

    out = io.BytesIO()
    with _RL_CONFIG_LOCK:
        saved_a85 = rl_config.useA85
        rl_config.useA85 = 0
        try:
            canvas = Canvas(out, pageCompression=1, invariant=1)
            canvas.setTitle(title)
            canvas.setCreator("film-kiosk")
            for sheet in sheets:
                width, height = page_size_points(sheet)
                canvas.setPageSize((width, height))
                # ascontiguousarray: a view (a crop, a transposed sheet) must not reach PIL as is
                image = Image.fromarray(np.ascontiguousarray(sheet.pixels), mode="L")
                canvas.drawImage(ImageReader(image), 0, 0, width=width, height=height)
                canvas.showPage()
            canvas.save()
        finally:
            rl_config.useA85 = saved_a85
    return out.getvalue()
