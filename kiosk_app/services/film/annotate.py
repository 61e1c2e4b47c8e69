"""Text and marks printed with each image: who, when, what, at which window, how big, which way.

Each item can be switched off (:class:`AnnotationOptions`, from the ``[film]`` settings). In the
corners of the image's cell: patient name (masked by default: 张*三), patient ID, sex and age
(top left); hospital, study date and time, modality (top right); series and instance number,
window (bottom left); a scale bar from the pixel spacing (bottom right). Orientation labels
(A/P, R/L, H/F) sit at the middle of the image's edges, from Image Orientation (Patient) or
Patient Orientation. Everything is white with a black outline, legible on any grey, and clipped
to the cell, so nothing is drawn outside the printable area.

Chinese text needs a CJK font: Noto Sans CJK SC (Debian ``fonts-noto-cjk``), else Droid Sans
Fallback (``fonts-droid-fallback``). Rendered strings are cached: the same patient line on twenty
cells is drawn once.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

from kiosk_app.core.privacy import mask_name
from kiosk_app.services.film.errors import FilmError
from kiosk_app.services.film.layout import MM_PER_INCH, Box
from kiosk_app.services.film.pipeline import Rendered, column_spacing_mm
from kiosk_app.sources.dicom_json import parse_da

logger = logging.getLogger(__name__)

FONT_CANDIDATES: tuple[tuple[Path, str], ...] = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), "Noto Sans CJK SC"),
    (Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"), "Noto Sans CJK SC"),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), ""),
)
"""CJK fonts tried in order, with the face wanted inside a collection ("" = the first)."""

_FONT_LOCK = threading.Lock()
_MIN_TEXT_PX = 8  # below this, text would be unreadable smudges: left off
_SCALE_STEPS_MM = (1, 2, 5, 10, 20, 50, 100, 200, 500)


@dataclass(frozen=True)
class AnnotationOptions:
    """Which annotations are printed (all of them by default)."""

    patient_name: bool = True
    mask_name: bool = True
    """Print 张*三 rather than 张小三 (:func:`kiosk_app.core.privacy.mask_name`)."""
    patient_id: bool = True
    sex_age: bool = True
    study_datetime: bool = True
    modality: bool = True
    series_instance: bool = True
    window: bool = True
    hospital: bool = True
    scale_bar: bool = True
    orientation: bool = True
    hospital_name: str = ""
    """Printed when ``hospital`` is on; empty: the image's Institution Name."""
    text_mm: float = 2.8
    """Font size (em height) in millimetres on the film."""


# --- the words ----------------------------------------------------------------------------


def display_name(value: object) -> str:
    """A DICOM person name as printed: ideographic form when present, ``^`` removed."""
    if not value:
        return ""
    name = value if isinstance(value, PersonName) else PersonName(str(value))
    for group in (name.ideographic, name.alphabetic, name.phonetic):
        parts = [p.strip() for p in str(group or "").split("^") if p.strip()]
        if parts:
            return ("" if any(_is_cjk(p) for p in parts) else " ").join(parts)
    return str(value).replace("^", " ").strip()


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def corner_lines(
    ds: Dataset, frame: int, rendered: Rendered, options: AnnotationOptions
) -> tuple[list[str], list[str], list[str]]:
    """(top-left, top-right, bottom-left) lines for one image."""
    top_left: list[str] = []
    if options.patient_name and (name := display_name(ds.get("PatientName"))):
        top_left.append(mask_name(name) if options.mask_name else name)
    if options.patient_id and (patient_id := str(ds.get("PatientID", "") or "").strip()):
        top_left.append(f"ID {patient_id}")
    if options.sex_age and (sex_age := _sex_age(ds)):
        top_left.append(sex_age)
    top_right: list[str] = []
    if options.hospital:
        hospital = options.hospital_name or str(ds.get("InstitutionName", "") or "")
        if hospital.strip():
            top_right.append(hospital.strip())
    if options.study_datetime and (when := _study_datetime(ds)):
        top_right.append(when)
    if options.modality and (modality := str(ds.get("Modality", "") or "").strip()):
        top_right.append(modality)
    bottom_left: list[str] = []
    if options.series_instance:
        parts = []
        if ds.get("SeriesNumber") not in (None, ""):
            parts.append(f"Se {ds.SeriesNumber}")
        if ds.get("InstanceNumber") not in (None, ""):
            parts.append(f"Im {ds.InstanceNumber}")
        if _frames(ds) > 1:
            parts.append(f"Fr {frame + 1}")
        if parts:
            bottom_left.append("  ".join(parts))
    if options.window and rendered.window is not None:
        center, width = rendered.window
        bottom_left.append(f"W {_number(width)}  L {_number(center)}")
    elif options.window and rendered.voi == "lut":
        bottom_left.append("VOI LUT")
    return top_left, top_right, bottom_left


def _frames(ds: Dataset) -> int:
    try:
        return int(ds.get("NumberOfFrames") or 1)
    except (TypeError, ValueError):
        return 1


def _number(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _sex_age(ds: Dataset) -> str:
    sex = str(ds.get("PatientSex", "") or "").strip().upper()
    age = str(ds.get("PatientAge", "") or "").strip().upper()
    if len(age) == 4 and age[:3].isdigit() and age[3] in "DWMY":
        age = f"{int(age[:3])}{age[3]}"
    else:
        born, seen = _date(ds.get("PatientBirthDate")), _date(ds.get("StudyDate"))
        age = ""
        if born and seen and seen >= born:
            years = seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))
            age = f"{years}Y"
    return " ".join(part for part in (sex, age) if part)


def _date(value: object) -> date | None:
    return parse_da(str(value or ""))


def _study_datetime(ds: Dataset) -> str:
    day = _date(ds.get("StudyDate"))
    if day is None:
        return ""
    time = str(ds.get("StudyTime", "") or "").strip()
    if len(time) >= 4 and time[:4].isdigit():
        return f"{day.isoformat()} {time[:2]}:{time[2:4]}"
    return day.isoformat()


def orientation_labels(ds: Dataset, view: Dataset) -> tuple[str, str, str, str] | None:
    """(left, right, top, bottom) edge labels, or None when the file does not say."""
    iop = view.get("ImageOrientationPatient")
    try:
        cosines = [float(v) for v in iop] if iop is not None else []
    except (TypeError, ValueError):
        cosines = []
    if len(cosines) == 6 and all(math.isfinite(c) for c in cosines):
        row, column = cosines[:3], cosines[3:]
        right, bottom = _direction(row), _direction(column)
        left, top = _direction([-c for c in row]), _direction([-c for c in column])
        if right and bottom:
            return left, right, top, bottom
    orientation = ds.get("PatientOrientation")
    if orientation is not None and len(orientation) == 2:
        right, bottom = (str(v).strip().upper() for v in orientation)
        if right and bottom and set(right + bottom) <= set("APLRHF"):
            return _opposite(right), right, _opposite(bottom), bottom
    return None


def _direction(vector: Sequence[float]) -> str:
    """Patient-axis letters of a direction, strongest first (PS3.3 C.7.6.1.1.1)."""
    letters = (("R", "L"), ("A", "P"), ("F", "H"))
    order = sorted(range(3), key=lambda i: -abs(vector[i]))
    return "".join(letters[i][vector[i] > 0] for i in order if abs(vector[i]) >= 0.3)


def _opposite(label: str) -> str:
    swap = {"A": "P", "P": "A", "L": "R", "R": "L", "H": "F", "F": "H"}
    return "".join(swap.get(ch, ch) for ch in label)


# --- drawing ------------------------------------------------------------------------------


def annotate_cell(
    canvas: NDArray[np.uint8],
    cell: Box,
    placed: Box,
    ds: Dataset,
    frame: int,
    rendered: Rendered,
    view: Dataset,
    image_shape: tuple[int, int],
    dpi: int,
    options: AnnotationOptions,
    turn: tuple[int, bool] = (0, False),
) -> None:
    """Draw one image's annotations inside its cell (never outside it).

    ``turn`` is the (clockwise rotation, horizontal flip) the image was displayed with (a
    presentation state's): orientation labels and the scale bar follow it.
    """
    top, left, bottom, right = cell
    size = text_size(cell, dpi, options.text_mm)
    if size < _MIN_TEXT_PX:
        return
    pad = max(2, size // 4)
    top_left, top_right, bottom_left = corner_lines(ds, frame, rendered, options)
    line = _line_height(size)
    for i, text in enumerate(top_left):
        _stamp(canvas, cell, _text(text, size), top + pad + i * line, left + pad)
    for i, text in enumerate(top_right):
        mask = _text(text, size)
        _stamp(canvas, cell, mask, top + pad + i * line, right - pad - mask[0].shape[1])
    for i, text in enumerate(reversed(bottom_left)):
        _stamp(canvas, cell, _text(text, size), bottom - pad - (i + 1) * line, left + pad)
    if options.scale_bar:
        spacing = column_spacing_mm(view, across=turn[0] in (90, 270))
        if spacing:
            px_per_mm = (placed[3] - placed[1]) / (image_shape[1] * spacing)
            bar = _scale_bar(px_per_mm, (placed[3] - placed[1]) / 4, size)
            if bar is not None:
                _stamp(canvas, cell, bar, bottom - pad - bar[0].shape[0],
                       right - pad - bar[0].shape[1])  # fmt: skip
    if options.orientation and (labels := orientation_labels(ds, view)):
        labels = turn_labels(labels, *turn)
        p_top, p_left, p_bottom, p_right = placed
        middle_y, middle_x = (p_top + p_bottom) // 2, (p_left + p_right) // 2
        left_label, right_label, top_label, bottom_label = (_text(t, size) for t in labels)
        _stamp(canvas, cell, left_label, middle_y - line // 2, p_left + pad)
        _stamp(canvas, cell, right_label, middle_y - line // 2,
               p_right - pad - right_label[0].shape[1])  # fmt: skip
        _stamp(canvas, cell, top_label, p_top + pad, middle_x - top_label[0].shape[1] // 2)
        _stamp(canvas, cell, bottom_label, p_bottom - pad - line,
               middle_x - bottom_label[0].shape[1] // 2)  # fmt: skip


def text_size(cell: Box, dpi: int, text_mm: float) -> int:
    """Text height in pixels for a cell: ``text_mm`` on film, smaller in a small cell."""
    top, left, bottom, right = cell
    return min(round(text_mm / MM_PER_INCH * dpi), (bottom - top) // 12, (right - left) // 16)


def turn_labels(
    labels: tuple[str, str, str, str], rotation: int, flip: bool
) -> tuple[str, str, str, str]:
    """Orientation labels (left, right, top, bottom) after a clockwise turn, then a flip."""
    left, right, top, bottom = labels
    for _ in range(rotation // 90 % 4):  # a quarter turn clockwise: the left edge goes on top
        left, right, top, bottom = bottom, top, left, right
    return (right, left, top, bottom) if flip else (left, right, top, bottom)


Stamp = tuple[NDArray[np.uint8], NDArray[np.uint8]]
"""(white ink, black outline) masks of the same shape."""


def stamp(canvas: NDArray[np.uint8], clip: Box, mask: Stamp, y: int, x: int) -> None:
    """Draw ``mask`` with its top left corner at (y, x): outline dark, ink white, clipped."""
    _stamp(canvas, clip, mask, y, x)


def text_stamp(text: str, size: int) -> Stamp:
    """One line of text ``size`` pixels high, outlined (cached)."""
    return _text(text, size)


def outlined(ink: NDArray[np.uint8], border: int) -> Stamp:
    """White marks with a dark outline ``border`` pixels wide around them."""
    return ink, _dilate(ink, border)


def _stamp(canvas: NDArray[np.uint8], clip: Box, stamp: Stamp, y: int, x: int) -> None:
    """Outline dark, then ink white, clipped to ``clip``."""
    ink, outline = stamp
    top, left, bottom, right = clip
    y0, x0 = max(y, top), max(x, left)
    y1, x1 = min(y + ink.shape[0], bottom), min(x + ink.shape[1], right)
    if y1 <= y0 or x1 <= x0:
        return
    region = canvas[y0:y1, x0:x1]
    window = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
    np.minimum(region, 255 - outline[window], out=region)
    np.maximum(region, ink[window], out=region)


def _line_height(size: int) -> int:
    with _FONT_LOCK:
        ascent, descent = _font(size).getmetrics()
    return ascent + descent + max(1, size // 8)


@functools.lru_cache(maxsize=512)
def _text(text: str, size: int) -> Stamp:
    font = _font(size)
    with _FONT_LOCK:  # one FreeType face is not to be used by two threads at once
        ascent, descent = font.getmetrics()
        width = max(1, math.ceil(font.getlength(text)))
        border = max(1, size // 12)
        picture = Image.new("L", (width + 2 * border, ascent + descent + 2 * border), 0)
        ImageDraw.Draw(picture).text((border, border), text, fill=255, font=font)
    ink = np.asarray(picture)
    return ink, _dilate(ink, border)


def _scale_bar(px_per_mm: float, longest: float, size: int) -> Stamp | None:
    """A bar of a round length (at most ``longest`` pixels) with its label above it."""
    fitting = [mm for mm in _SCALE_STEPS_MM if mm * px_per_mm <= longest]
    if not fitting or fitting[-1] * px_per_mm < 8:
        return None
    mm = fitting[-1]
    length = round(mm * px_per_mm)
    label, _ = _text(f"{mm // 10} cm" if mm >= 10 and mm % 10 == 0 else f"{mm} mm", size)
    thick, tick = max(2, size // 8), max(4, size // 3)
    border = max(1, size // 12)
    width = max(length, label.shape[1]) + 2 * border
    height = label.shape[0] + tick + 2 * border
    ink = np.zeros((height, width), dtype=np.uint8)
    ink[: label.shape[0], width - border - label.shape[1] : width - border] = label
    x0, x1 = width - border - length, width - border
    y = height - border - thick
    ink[y : y + thick, x0:x1] = 255
    ink[height - border - tick : height - border, x0 : x0 + thick] = 255
    ink[height - border - tick : height - border, x1 - thick : x1] = 255
    return ink, _dilate(ink, border)


def _dilate(ink: NDArray[np.uint8], radius: int) -> NDArray[np.uint8]:
    out = ink.copy()
    for _ in range(radius):
        grown = out.copy()
        np.maximum(grown[1:], out[:-1], out=grown[1:])
        np.maximum(grown[:-1], out[1:], out=grown[:-1])
        np.maximum(grown[:, 1:], out[:, :-1], out=grown[:, 1:])
        np.maximum(grown[:, :-1], out[:, 1:], out=grown[:, :-1])
        out = grown
    return out


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path, family in FONT_CANDIDATES:
        if not path.is_file():
            continue
        for index in range(8 if family else 1):
            try:
                font = ImageFont.truetype(str(path), size, index=index)
            except OSError:
                break
            if not family or font.getname()[0] == family:
                return font
    raise FilmError(
        detail="no CJK font for film annotations: install fonts-noto-cjk "
        "(Noto Sans CJK SC) or fonts-droid-fallback"
    )
