"""Where images go on a film: DICOM film sizes and display formats, cells, fitting, resampling.

A sheet is the film's physical size at the printer's dpi, portrait or landscape. The
printable area is the sheet less its margins; cells tile it with gutters between them. An
image is scaled to fit its cell at its physical aspect ratio (pixel spacing), centred, never
stretched and never cropped. Resampling uses OpenCV: area averaging when shrinking (no moiré
from skipped pixels) and bicubic when enlarging, each axis on its own when one grows and the
other shrinks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from kiosk_app.services.film.errors import FilmError

MM_PER_INCH = 25.4

FILM_SIZES: dict[str, tuple[float, float]] = {
    "8INX10IN": (8.0, 10.0),
    "10INX12IN": (10.0, 12.0),
    "10INX14IN": (10.0, 14.0),
    "11INX14IN": (11.0, 14.0),
    "14INX14IN": (14.0, 14.0),
    "14INX17IN": (14.0, 17.0),
    "24CMX24CM": (240 / MM_PER_INCH, 240 / MM_PER_INCH),
    "24CMX30CM": (240 / MM_PER_INCH, 300 / MM_PER_INCH),
    "A4": (210 / MM_PER_INCH, 297 / MM_PER_INCH),
    "A3": (297 / MM_PER_INCH, 420 / MM_PER_INCH),
}
"""DICOM Film Size ID → (width, height) in inches, portrait (width <= height)."""

AUTO_LAYOUTS: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 4), (4, 4), (4, 5),
)  # fmt: skip
"""(columns, rows) tried in order when no layout is given; the last one is the largest."""


Box = tuple[int, int, int, int]
"""(top, left, bottom, right) in sheet pixels; bottom and right exclusive."""


@dataclass(frozen=True)
class DisplayFormat:
    """A DICOM Image Display Format (PS3.3 C.13.5.1).

    ``STANDARD\\C,R``: C columns by R rows, filled row by row. ``ROW\\a,b,...``: one row
    per value, holding that many images. ``COL\\a,b,...``: one column per value, holding
    that many images, filled column by column.
    """

    kind: str
    counts: tuple[int, ...]

    @classmethod
    def standard(cls, columns: int, rows: int) -> DisplayFormat:
        return cls("STANDARD", (columns, rows))

    @property
    def capacity(self) -> int:
        """Images per sheet."""
        if self.kind == "STANDARD":
            return self.counts[0] * self.counts[1]
        return sum(self.counts)

    def __str__(self) -> str:
        return f"{self.kind}\\{','.join(str(n) for n in self.counts)}"


def parse_layout(text: str) -> tuple[int, int]:
    """Parse a layout such as ``"4x5"`` into (columns, rows).

    Raises:
        ValueError: the text is not two positive whole numbers joined by ``x``.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ValueError(f"layout {text!r} should be COLUMNSxROWS, such as 4x5, both at least 1")
    return int(match[1]), int(match[2])


def parse_display_format(text: str) -> DisplayFormat:
    """Parse ``4x5``, ``STANDARD\\4,5``, ``ROW\\2,3`` or ``COL\\1,2``.

    Raises:
        ValueError: anything else, or a count below 1 (at most 10 rows/columns of 10).
    """
    if re.fullmatch(r"\s*\d+\s*[xX]\s*\d+\s*", text):
        return DisplayFormat.standard(*parse_layout(text))
    match = re.fullmatch(r"\s*(STANDARD|ROW|COL)\\(\d+(?:,\d+)*)\s*", text, re.IGNORECASE)
    counts = tuple(int(n) for n in match[2].split(",")) if match else ()
    kind = match[1].upper() if match else ""
    ok = bool(counts) and all(1 <= n <= 10 for n in counts) and len(counts) <= 10
    if not ok or (kind == "STANDARD" and len(counts) != 2):
        raise ValueError(
            f"layout {text!r} should be COLUMNSxROWS (4x5) or a DICOM display format such as "
            "STANDARD\\4,5, ROW\\2,3 or COL\\1,2"
        )
    return DisplayFormat(kind, counts)


def sheet_shape(film_size_id: str, dpi: int, landscape: bool = False) -> tuple[int, int]:
    """(rows, columns) of a whole sheet."""
    if film_size_id not in FILM_SIZES:
        raise FilmError(
            detail=f"unknown film size {film_size_id!r}; known: {', '.join(FILM_SIZES)}"
        )
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise FilmError(detail=f"dpi must be a positive whole number, not {dpi!r}")
    width, height = FILM_SIZES[film_size_id]
    if landscape:
        width, height = height, width
    return round(height * dpi), round(width * dpi)


def as_format(layout: tuple[int, int] | DisplayFormat) -> DisplayFormat:
    """A display format from (columns, rows) or a format; FilmError if it is not one."""
    if isinstance(layout, DisplayFormat):
        if layout.kind not in ("STANDARD", "ROW", "COL") or not layout.counts:
            raise FilmError(detail=f"layout {layout!r} is not a display format")
        _check_counts(layout, layout.counts)
        if layout.kind == "STANDARD" and len(layout.counts) != 2:
            raise FilmError(detail=f"layout {layout} needs two numbers")
        return layout
    try:
        columns, rows = layout
    except (TypeError, ValueError):
        raise FilmError(detail=f"layout {layout!r} is not (columns, rows)") from None
    _check_counts(layout, (columns, rows))
    return DisplayFormat.standard(columns, rows)


def _check_counts(layout: object, counts: tuple[object, ...]) -> None:
    for n in counts:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise FilmError(detail=f"layout {layout!r} needs whole numbers of at least 1")


def cell_boxes(
    film_size_id: str,
    dpi: int,
    layout: tuple[int, int] | DisplayFormat,
    margin_mm: float = 5.0,
    gutter_mm: float = 2.0,
    landscape: bool = False,
) -> list[Box]:
    """The image cells of a sheet as (top, left, bottom, right) pixels, in filling order.

    Bottom and right are exclusive; cells never overlap and stay inside the margins.

    Raises:
        FilmError: unknown film size, bad dpi, margins or layout, or cells under a pixel.
    """
    height, width = sheet_shape(film_size_id, dpi, landscape)
    fmt = as_format(layout)
    if not (margin_mm >= 0 and gutter_mm >= 0):
        raise FilmError(detail=f"margin {margin_mm} mm and gutter {gutter_mm} mm must be >= 0")
    margin, gutter = margin_mm / MM_PER_INCH * dpi, gutter_mm / MM_PER_INCH * dpi
    if fmt.kind == "STANDARD":
        columns, rows = fmt.counts
        xs = _spans(margin, width - 2 * margin, columns, gutter)
        ys = _spans(margin, height - 2 * margin, rows, gutter)
        boxes = [(top, left, bottom, right) for top, bottom in ys for left, right in xs]
    elif fmt.kind == "ROW":
        ys = _spans(margin, height - 2 * margin, len(fmt.counts), gutter)
        boxes = [
            (top, left, bottom, right)
            for (top, bottom), n in zip(ys, fmt.counts, strict=True)
            for left, right in _spans(margin, width - 2 * margin, n, gutter)
        ]
    else:  # COL
        xs = _spans(margin, width - 2 * margin, len(fmt.counts), gutter)
        boxes = [
            (top, left, bottom, right)
            for (left, right), n in zip(xs, fmt.counts, strict=True)
            for top, bottom in _spans(margin, height - 2 * margin, n, gutter)
        ]
    if any(bottom - top < 1 or right - left < 1 for top, left, bottom, right in boxes):
        raise FilmError(
            detail=f"a {_describe(fmt)} layout does not fit on {film_size_id} at {dpi} dpi "
            f"with {margin_mm} mm margins and {gutter_mm} mm gutters"
        )
    return boxes


def _describe(fmt: DisplayFormat) -> str:
    return "{}x{}".format(*fmt.counts) if fmt.kind == "STANDARD" else str(fmt)


def _spans(start: float, length: float, n: int, gutter: float) -> list[tuple[int, int]]:
    """n equal spans with gutters between them, in whole pixels rounded inwards."""
    size = (length - (n - 1) * gutter) / n
    return [_span(start + i * (size + gutter), size) for i in range(n)]


def _span(start: float, length: float) -> tuple[int, int]:
    """Whole pixels inside [start, start + length): rounding inwards keeps gutters intact."""
    return math.ceil(start - 1e-9), math.floor(start + length + 1e-9)


def fit(shape: tuple[int, int], aspect: float, box: Box) -> Box:
    """Where an image of ``shape`` (rows, columns) goes in ``box``: scaled, centred."""
    top, left, bottom, right = box
    box_h, box_w = bottom - top, right - left
    rows, columns = shape
    scale = min(box_w / columns, box_h / (rows * aspect))
    new_w = min(box_w, max(1, round(columns * scale)))
    new_h = min(box_h, max(1, round(rows * aspect * scale)))
    y, x = top + (box_h - new_h) // 2, left + (box_w - new_w) // 2
    return y, x, y + new_h, x + new_w


def resample(image: NDArray[np.uint8], rows: int, columns: int) -> NDArray[np.uint8]:
    """``image`` at (rows, columns): area averaging to shrink, bicubic to enlarge.

    OpenCV's resize (fixed-point, vectorised, on every core for a large image) is six times
    faster than Pillow's here; its bicubic kernel is Keys' with a = -0.75, Pillow's -0.5,
    a difference of a grey level or two at sharp edges. The pixels do not depend on the
    number of threads.
    """
    old_rows, old_columns = image.shape
    if (old_rows, old_columns) == (rows, columns):
        return image
    source = np.ascontiguousarray(image)
    grow_x, grow_y = columns > old_columns, rows > old_rows
    shrink_x, shrink_y = columns < old_columns, rows < old_rows
    if (grow_x or grow_y) and (shrink_x or shrink_y):
        # One axis at a time, so each gets the right filter.
        wide = cv2.resize(source, (columns, old_rows), interpolation=_filter(old_columns, columns))
        out = cv2.resize(wide, (columns, rows), interpolation=_filter(old_rows, rows))
        return np.asarray(out, dtype=np.uint8)
    method = _filter(1, 0 if shrink_x or shrink_y else 2)
    return np.asarray(cv2.resize(source, (columns, rows), interpolation=method), dtype=np.uint8)


def _filter(before: int, after: int) -> int:
    return cv2.INTER_AREA if after < before else cv2.INTER_CUBIC
