"""The film engine: DICOM pixel data to 8-bit display values, laid out on film sheets.

The greyscale pipeline follows PS3.4 N.2: decode → modality LUT → VOI LUT or window →
presentation (MONOCHROME1 / INVERSE) → P-values, 0 black and 255 white. Colour images are
turned into their ITU-R BT.601 luminance, since film is greyscale.

Layout keeps each image's physical aspect ratio (pixel spacing), never crops or stretches,
and resamples with Pillow: area averaging when shrinking (no moiré from skipped pixels) and
bicubic when enlarging. Everything here is pure computation on numpy arrays.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi_lut,
    as_pixel_options,
    convert_color_space,
    get_decoder,
)
from pydicom.uid import UID
from pydicom.valuerep import DSfloat

from drivers.base import FilmSheet
from kiosk_app.core.errors import KioskError

logger = logging.getLogger(__name__)

_MM_PER_INCH = 25.4

FILM_SIZES: dict[str, tuple[float, float]] = {
    "8INX10IN": (8.0, 10.0),
    "10INX12IN": (10.0, 12.0),
    "10INX14IN": (10.0, 14.0),
    "11INX14IN": (11.0, 14.0),
    "14INX14IN": (14.0, 14.0),
    "14INX17IN": (14.0, 17.0),
    "24CMX24CM": (240 / _MM_PER_INCH, 240 / _MM_PER_INCH),
    "24CMX30CM": (240 / _MM_PER_INCH, 300 / _MM_PER_INCH),
    "A4": (210 / _MM_PER_INCH, 297 / _MM_PER_INCH),
    "A3": (297 / _MM_PER_INCH, 420 / _MM_PER_INCH),
}
"""DICOM Film Size ID → (width, height) in inches, portrait (width <= height)."""

AUTO_LAYOUTS: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 4), (4, 4), (4, 5),
)  # fmt: skip
"""(columns, rows) tried in order when no layout is given; the last one is the largest."""

_BT601 = np.array([0.299, 0.587, 0.114])
_PIXEL_DATA_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_VIEW_KEYWORDS = (
    "PhotometricInterpretation", "BitsStored", "PixelRepresentation",
    "RescaleSlope", "RescaleIntercept", "RescaleType", "ModalityLUTSequence",
    "VOILUTSequence", "WindowCenter", "WindowWidth", "VOILUTFunction",
    "PixelPaddingValue", "PixelPaddingRangeLimit", "PresentationLUTShape",
    "PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio",
)  # fmt: skip
# Enhanced (multi-frame) objects keep spacing, rescale and window in functional groups.
_FUNCTIONAL_GROUP_KEYWORDS = (
    "PixelMeasuresSequence", "PixelValueTransformationSequence", "FrameVOILUTSequence",
)  # fmt: skip
# The pixel-level errors pydicom raises for attributes it cannot use.
_ATTRIBUTE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError,
                     NotImplementedError)  # fmt: skip


class FilmError(KioskError):
    """A film sheet or a frame could not be produced from the given images."""

    message_id = "film.compose_failed"


def parse_layout(text: str) -> tuple[int, int]:
    """Parse a layout such as ``"4x5"`` into (columns, rows).

    Raises:
        ValueError: the text is not two positive whole numbers joined by ``x``.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ValueError(f"layout {text!r} should be COLUMNSxROWS, such as 4x5, both at least 1")
    return int(match[1]), int(match[2])


def parse_window(text: str) -> tuple[float, float]:
    """Parse a window such as ``"40,400"`` into (center, width).

    Raises:
        ValueError: the text is not two finite numbers, or the width is not positive.
    """
    parts = text.split(",")
    try:
        center, width = (float(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"window {text!r} should be CENTER,WIDTH, such as 40,400 for soft tissue"
        ) from None
    if not (math.isfinite(center) and math.isfinite(width)) or width <= 0:
        raise ValueError(f"window {text!r} needs finite numbers and a width above 0")
    return center, width


def display_frame(
    ds: Dataset, frame: int = 0, window: tuple[float, float] | None = None
) -> NDArray[np.uint8]:
    """One frame after the whole pixel pipeline, as 8-bit greyscale (0 black).

    Args:
        ds: an image dataset with file meta (the transfer syntax says how to decode).
        frame: which frame of a multi-frame object, from 0.
        window: (center, width) in modality units (HU for CT) replacing the file's own
            VOI; ignored for colour images.

    Raises:
        FilmError: no pixel data, a frame that does not exist, undecodable or damaged
            pixel data (the message names the transfer syntax), or unusable LUTs.
    """
    frames = _frame_count(ds)
    if not 0 <= frame < frames:
        raise FilmError(detail=f"frame {frame} does not exist; the image has {frames} frame(s)")
    pixels, photometric = _decode(ds, frame)
    try:
        view = _frame_view(ds, frame)
        if photometric in ("MONOCHROME1", "MONOCHROME2"):
            return _grey_to_display(pixels, view, window)
        return _colour_to_display(pixels, photometric, ds)
    except _ATTRIBUTE_ERRORS as exc:
        raise FilmError(
            detail=f"the {photometric} image's display attributes are unusable: {_brief(exc)}"
        ) from exc


def pixel_aspect(ds: Dataset) -> float:
    """Physical height / width of one pixel: 1.0 for square pixels, 2.0 for tall ones.

    Taken from Pixel Spacing (row spacing / column spacing), else Imager Pixel Spacing,
    else Pixel Aspect Ratio, else 1.0. Enhanced objects' Pixel Measures are honoured.
    """
    try:
        view = _frame_view(ds, 0)
    except _ATTRIBUTE_ERRORS:
        return 1.0
    for keyword in ("PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio"):
        if (ratio := _ratio(view.get(keyword))) is not None:
            return ratio
    return 1.0


def cell_boxes(
    film_size_id: str,
    dpi: int,
    layout: tuple[int, int],
    margin_mm: float = 5.0,
    gutter_mm: float = 2.0,
) -> list[tuple[int, int, int, int]]:
    """The image cells of a sheet as (top, left, bottom, right) pixels, row by row.

    Bottom and right are exclusive; cells never overlap and stay inside the margins.

    Raises:
        FilmError: unknown film size, bad dpi, margins or layout, or cells under a pixel.
    """
    height, width = _sheet_shape(film_size_id, dpi)
    columns, rows = _check_layout(layout)
    if margin_mm < 0 or gutter_mm < 0:
        raise FilmError(detail=f"margin {margin_mm} mm and gutter {gutter_mm} mm must be >= 0")
    margin, gutter = margin_mm / _MM_PER_INCH * dpi, gutter_mm / _MM_PER_INCH * dpi
    cell_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    cell_h = (height - 2 * margin - (rows - 1) * gutter) / rows
    xs = [_span(margin + c * (cell_w + gutter), cell_w) for c in range(columns)]
    ys = [_span(margin + r * (cell_h + gutter), cell_h) for r in range(rows)]
    if any(hi - lo < 1 for lo, hi in xs + ys):
        raise FilmError(
            detail=f"a {columns}x{rows} layout does not fit on {film_size_id} at {dpi} dpi "
            f"with {margin_mm} mm margins and {gutter_mm} mm gutters"
        )
    return [(top, left, bottom, right) for top, bottom in ys for left, right in xs]


def compose_sheets(
    datasets: Sequence[Dataset],
    film_size_id: str = "14INX17IN",
    dpi: int = 300,
    layout: tuple[int, int] | None = None,
    margin_mm: float = 5.0,
    gutter_mm: float = 2.0,
    window: tuple[float, float] | None = None,
) -> list[FilmSheet]:
    """Lay images out on as many film sheets as they need.

    Every frame of every dataset is one image, placed row by row in a grid of ``layout``
    (columns, rows) cells, scaled to fit its cell at its physical aspect ratio and centred
    on a black sheet.

    Args:
        datasets: image datasets, in print order.
        film_size_id: a key of FILM_SIZES.
        dpi: the film printer's resolution; the sheet is the film's size at this dpi.
        layout: (columns, rows) per sheet; None picks the smallest of AUTO_LAYOUTS that
            holds every image, or the largest one on several sheets.
        margin_mm: black border around the grid.
        gutter_mm: black space between cells.
        window: (center, width) for every greyscale image instead of its own VOI.

    Raises:
        FilmError: no images, an unknown film size, a bad layout, or an unusable image.
    """
    if not datasets:
        raise FilmError(detail="no images were given")
    images = [(ds, frame) for ds in datasets for frame in range(_frame_count(ds))]
    if layout is None:
        layout = next((grid for grid in AUTO_LAYOUTS if grid[0] * grid[1] >= len(images)),
                      AUTO_LAYOUTS[-1])  # fmt: skip
    boxes = cell_boxes(film_size_id, dpi, layout, margin_mm, gutter_mm)
    shape = _sheet_shape(film_size_id, dpi)
    sheets: list[FilmSheet] = []
    for start in range(0, len(images), len(boxes)):
        canvas = np.zeros(shape, dtype=np.uint8)
        for (ds, frame), box in zip(images[start : start + len(boxes)], boxes, strict=False):
            _place(canvas, display_frame(ds, frame, window), pixel_aspect(ds), box)
        sheets.append(FilmSheet(pixels=canvas, film_size_id=film_size_id, dpi=dpi))
    logger.debug("composed %d image(s) on %d %s sheet(s) as %dx%d at %d dpi",
                 len(images), len(sheets), film_size_id, *layout, dpi)  # fmt: skip
    return sheets


# --- decoding -----------------------------------------------------------------------------


def _frame_count(ds: Dataset) -> int:
    if not any(keyword in ds for keyword in _PIXEL_DATA_KEYWORDS):
        kind = UID(str(ds.get("SOPClassUID", ""))).name or "DICOM"
        raise FilmError(detail=f"the {kind} object has no pixel data")
    raw = ds.get("NumberOfFrames")
    try:
        frames = int(raw) if raw not in (None, "") else 1
    except (TypeError, ValueError):
        frames = 0
    if frames < 1:
        raise FilmError(detail=f"Number of Frames {raw!r} is not a positive number")
    return frames


def _decode(ds: Dataset, frame: int) -> tuple[np.ndarray, str]:
    """The frame's stored values and the photometric interpretation they are now in."""
    file_meta = getattr(ds, "file_meta", None)
    uid = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    if not uid:
        raise FilmError(detail="the file does not say how its pixel data is encoded")
    syntax = f"{uid.name} ({uid})" if uid.name != str(uid) else str(uid)
    try:
        decoder = get_decoder(uid)
    except NotImplementedError:
        raise FilmError(detail=f"pixel data in {syntax} is not supported") from None
    try:
        pixels, meta = decoder.as_array(ds, index=frame, **as_pixel_options(ds))
    except Exception as exc:  # decoders raise anything on damaged data; the cause is kept
        raise FilmError(
            detail=f"pixel data in {syntax} could not be decoded: {_brief(exc)}"
        ) from exc
    photometric = str(meta.get("photometric_interpretation", ds.get("PhotometricInterpretation")))
    return pixels, photometric.strip().upper()


def _frame_view(ds: Dataset, frame: int) -> Dataset:
    """The attributes that shape one frame's display, flattened from functional groups."""
    view = Dataset()
    for keyword in _VIEW_KEYWORDS:
        if keyword in ds and not ds[keyword].is_empty:  # an empty slope means "not given"
            view.add(ds[keyword])
    groups = list(ds.get("SharedFunctionalGroupsSequence") or [])[:1]
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if frame < len(per_frame):
        groups.append(per_frame[frame])
    for group in groups:
        for keyword in _FUNCTIONAL_GROUP_KEYWORDS:
            for element in (group.get(keyword) or [Dataset()])[0]:
                if not element.is_empty:
                    view.add(element)
    if hasattr(ds, "file_meta"):
        view.file_meta = ds.file_meta  # LUT data in OW needs the byte order
    return view


def _usable_lut(sequence: Sequence[Dataset]) -> bool:
    if not sequence:
        return False
    descriptor = sequence[0].get("LUTDescriptor")
    return bool(descriptor is not None and len(descriptor) == 3 and sequence[0].get("LUTData"))


# --- the greyscale and colour pipelines ---------------------------------------------------


def _grey_to_display(
    stored: np.ndarray, view: Dataset, window: tuple[float, float] | None
) -> NDArray[np.uint8]:
    for keyword in ("ModalityLUTSequence", "VOILUTSequence"):
        if keyword in view and not _usable_lut(view[keyword].value):
            logger.warning("ignoring an empty or incomplete %s", keyword)
            del view[keyword]  # the view is our own copy
    values = apply_modality_lut(stored, view)
    content = ~_padding(stored, view)
    if window is not None:
        center, width = window
        function = "LINEAR" if width >= 1 else "LINEAR_EXACT"  # LINEAR needs a width of 1+
        scaled = _apply_window(values, _window(center, width, function))
    elif "VOILUTSequence" in view:
        bits = int(view.VOILUTSequence[0].LUTDescriptor[2])
        scaled = apply_voi_lut(values, view, prefer_lut=True) * (255 / (2**bits - 1))
    elif "WindowCenter" in view and "WindowWidth" in view:
        try:
            scaled = _apply_window(values, view)
        except ValueError as exc:
            logger.warning("the file's window is unusable (%s); using an automatic one", exc)
            scaled = _auto_window(values, content)
    else:
        scaled = _auto_window(values, content)
    # For MONOCHROME1 the standard also requires Presentation LUT Shape INVERSE (PS3.3
    # C.8.11.6.1.2): both describe the same inversion, so the image is inverted once.
    shape = str(view.get("PresentationLUTShape", "")).strip().upper()
    if view.get("PhotometricInterpretation") == "MONOCHROME1" or shape == "INVERSE":
        scaled = 255 - scaled
    scaled[~content] = 0  # padding is not image: it prints black like the sheet around it
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _window(center: float, width: float, function: str) -> Dataset:
    window = Dataset()
    window.WindowCenter = DSfloat(center, auto_format=True)
    window.WindowWidth = DSfloat(width, auto_format=True)
    window.VOILUTFunction = function
    return window


def _apply_window(values: np.ndarray, window: Dataset) -> np.ndarray:
    """Window onto 0..255 with pydicom's LINEAR/LINEAR_EXACT/SIGMOID (first window only)."""
    voi = Dataset()  # 8-bit unsigned, no rescale: pydicom's output range becomes 0..255
    voi.PhotometricInterpretation, voi.BitsStored, voi.PixelRepresentation = "MONOCHROME2", 8, 0
    for keyword in ("WindowCenter", "WindowWidth", "VOILUTFunction"):
        if keyword in window:
            voi.add(window[keyword])
    return np.asarray(apply_voi_lut(values, voi, index=0, prefer_lut=False), dtype=np.float64)


def _auto_window(values: np.ndarray, content: NDArray[np.bool_]) -> np.ndarray:
    """A window over the 0.5th..99.5th percentiles of the content (not padding, not outliers)."""
    sample = values[content] if content.any() else values.ravel()
    low, high = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
    high = max(high, low + 1e-6)
    return _apply_window(values, _window((low + high) / 2, high - low, "LINEAR_EXACT"))


def _padding(stored: np.ndarray, view: Dataset) -> NDArray[np.bool_]:
    """Where the stored values are Pixel Padding Value (or within its range limit)."""
    if view.get("PixelPaddingValue") is None:
        return np.zeros(stored.shape, dtype=bool)
    pad, limit = int(view.PixelPaddingValue), view.get("PixelPaddingRangeLimit")
    if limit is None:
        return np.asarray(stored == pad)
    low, high = sorted((pad, int(limit)))
    return np.asarray((stored >= low) & (stored <= high))


def _colour_to_display(pixels: np.ndarray, photometric: str, ds: Dataset) -> NDArray[np.uint8]:
    """Colour (palette, RGB, YBR) → RGB → BT.601 luminance on 0..255."""
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, ds)[..., :3]
        full_scale = float(np.iinfo(rgb.dtype).max)
    elif photometric in ("RGB", "YBR_FULL", "YBR_FULL_422"):
        rgb = pixels if photometric == "RGB" else convert_color_space(pixels, photometric, "RGB")
        full_scale = float(2 ** int(ds.get("BitsStored", 8)) - 1)
    else:
        raise FilmError(detail=f"photometric interpretation {photometric} is not supported")
    luminance = rgb.astype(np.float64) @ _BT601 * (255 / full_scale)
    return np.clip(np.rint(luminance), 0, 255).astype(np.uint8)


# --- geometry -----------------------------------------------------------------------------


def _sheet_shape(film_size_id: str, dpi: int) -> tuple[int, int]:
    if film_size_id not in FILM_SIZES:
        raise FilmError(
            detail=f"unknown film size {film_size_id!r}; known: {', '.join(FILM_SIZES)}"
        )
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise FilmError(detail=f"dpi must be a positive whole number, not {dpi!r}")
    width, height = FILM_SIZES[film_size_id]
    return round(height * dpi), round(width * dpi)


def _check_layout(layout: tuple[int, int]) -> tuple[int, int]:
    try:
        columns, rows = layout
    except (TypeError, ValueError):
        raise FilmError(detail=f"layout {layout!r} is not (columns, rows)") from None
    for n in (columns, rows):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise FilmError(detail=f"layout {layout!r} needs whole numbers of at least 1")
    return columns, rows


def _span(start: float, length: float) -> tuple[int, int]:
    """Whole pixels inside [start, start + length): rounding inwards keeps gutters intact."""
    return math.ceil(start - 1e-9), math.floor(start + length + 1e-9)


def _ratio(value: object) -> float | None:
    """first / second of a two-valued attribute when both are positive numbers."""
    try:
        first, second = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    ok = first > 0 and second > 0 and math.isfinite(first / second)
    return first / second if ok else None


def _place(
    canvas: NDArray[np.uint8],
    image: NDArray[np.uint8],
    aspect: float,
    box: tuple[int, int, int, int],
) -> None:
    """Scale ``image`` to fit ``box`` at its physical aspect ratio and paste it centred."""
    top, left, bottom, right = box
    box_h, box_w = bottom - top, right - left
    rows, columns = image.shape
    scale = min(box_w / columns, box_h / (rows * aspect))
    new_w = min(box_w, max(1, round(columns * scale)))
    new_h = min(box_h, max(1, round(rows * aspect * scale)))
    picture = Image.fromarray(np.ascontiguousarray(image))
    # One axis at a time, so each gets area averaging when it shrinks and bicubic when it grows.
    if new_w != columns:
        picture = picture.resize((new_w, rows), _filter(columns, new_w))
    if new_h != rows:
        picture = picture.resize((new_w, new_h), _filter(rows, new_h))
    y, x = top + (box_h - new_h) // 2, left + (box_w - new_w) // 2
    canvas[y : y + new_h, x : x + new_w] = np.asarray(picture)


def _filter(before: int, after: int) -> Image.Resampling:
    return Image.Resampling.BOX if after < before else Image.Resampling.BICUBIC


def _brief(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
