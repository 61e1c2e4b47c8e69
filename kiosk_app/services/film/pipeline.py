"""The pixel pipeline: one DICOM frame to 8-bit display values, 0 black and 255 white.

The greyscale pipeline follows PS3.4 N.2: decode → modality LUT → VOI LUT or window →
presentation (MONOCHROME1 / INVERSE) → P-values. Colour images (palette, RGB, YBR) become
their ITU-R BT.601 luminance, since film is greyscale.

The VOI stage, in this order: a window the caller gives (a film plan's, ``kiosk film`` /
``kiosk render --window``), else the file's VOI LUT Sequence, else its first window, else one
over the content's 0.5th..99.5th percentiles. A given window keeps the file's VOI LUT Function
(LINEAR, LINEAR_EXACT or SIGMOID, PS3.3 C.11.2.1.3), as dcmtk's ``+Ww`` does: a SIGMOID MR
stays sigmoid at the plan's centre and width. The caller overrides it by naming a function
with the window (``(40, 400, "LINEAR")``, ``--window 40,400,LINEAR``, like dcmtk's ``+Wfl``).
A LINEAR window narrower than 1 (which LINEAR does not define) is drawn LINEAR_EXACT.

Speed: 8- and 16-bit stored values (nearly every image) never go through floating point
per pixel. The whole chain is evaluated once for every possible stored value (at most 65536),
in float64 and exactly as the standard writes it, into a lookup table; the frame is then one
``take`` through that table. Tables are cached, so the twenty slices of a CT sheet that share
rescale and window share one table. Anything else (32-bit or float pixels) takes the same
chain per pixel.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi_lut,
    as_pixel_options,
    convert_color_space,
    get_decoder,
)
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    HTJ2K,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    ImplicitVRLittleEndian,
    JPEG2000TransferSyntaxes,
)

from kiosk_app.services.film import decoding
from kiosk_app.services.film.errors import FilmError, brief
from kiosk_app.services.film.workers import WORKERS, map_parts

logger = logging.getLogger(__name__)

_BT601 = np.array([0.299, 0.587, 0.114])
_NATIVE_LITTLE_ENDIAN = (ImplicitVRLittleEndian, ExplicitVRLittleEndian,
                         DeflatedExplicitVRLittleEndian)  # fmt: skip
_CODESTREAM_PRECISION = frozenset(
    (*JPEG2000TransferSyntaxes, HTJ2K, HTJ2KLossless, HTJ2KLosslessRPCL)
)  # fmt: skip
_PIXEL_DATA_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_VIEW_KEYWORDS = (
    "PhotometricInterpretation", "BitsStored", "PixelRepresentation",
    "RescaleSlope", "RescaleIntercept", "RescaleType", "ModalityLUTSequence",
    "VOILUTSequence", "WindowCenter", "WindowWidth", "VOILUTFunction",
    "PixelPaddingValue", "PixelPaddingRangeLimit", "PresentationLUTShape",
    "PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio", "ImageOrientationPatient",
)  # fmt: skip
_VIEW_TAGS = tuple(int(tag_for_keyword(keyword) or 0) for keyword in _VIEW_KEYWORDS)
# Enhanced (multi-frame) objects keep spacing, rescale, window and orientation in
# functional groups.
_FUNCTIONAL_GROUP_KEYWORDS = (
    "PixelMeasuresSequence", "PixelValueTransformationSequence", "FrameVOILUTSequence",
    "PlaneOrientationSequence",
)  # fmt: skip
# What a lookup table depends on besides the window: everything above but geometry.
_LUT_KEYWORDS = tuple(
    k for k in _VIEW_KEYWORDS
    if k not in ("PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio",
                 "ImageOrientationPatient")
)  # fmt: skip
_LUT_TAGS = frozenset(int(tag_for_keyword(keyword) or 0) for keyword in _LUT_KEYWORDS)
# The pixel-level errors pydicom raises for attributes it cannot use.
ATTRIBUTE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError,
                    NotImplementedError)  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    """One frame after the pipeline, and how its grey levels were chosen."""

    pixels: NDArray[np.uint8]
    window: tuple[float, float] | None
    """(center, width) in modality units, when a window (given, the file's, automatic)
    made the grey levels; None for a VOI LUT or a colour image."""
    voi: str
    """``window`` (given), ``file`` (the file's first window), ``auto``, ``lut`` or ``colour``."""


VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")
"""The VOI LUT Functions of PS3.3 C.11.2.1.3."""

Window = tuple[float, float] | tuple[float, float, str]
"""(center, width) in modality units, keeping the file's VOI LUT Function, or
(center, width, function) with one of :data:`VOI_FUNCTIONS` instead of the file's."""


def parse_window(text: str) -> Window:
    """Parse a window such as ``"40,400"`` into (center, width), or ``"40,400,LINEAR"`` into
    (center, width, function) (any case; one of :data:`VOI_FUNCTIONS`).

    Raises:
        ValueError: the text is not two finite numbers (and a function), or the width is
            not positive.
    """
    parts = text.split(",")
    function = parts.pop().strip().upper() if len(parts) == 3 else None
    try:
        center, width = (float(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"window {text!r} should be CENTER,WIDTH[,FUNCTION], such as 40,400 for soft tissue"
        ) from None
    if not (math.isfinite(center) and math.isfinite(width)) or width <= 0:
        raise ValueError(f"window {text!r} needs finite numbers and a width above 0")
    if function is None:
        return center, width
    if function not in VOI_FUNCTIONS:
        raise ValueError(
            f"window {text!r}: the function should be one of {', '.join(VOI_FUNCTIONS)}"
        )
    return center, width, function


def display_frame(ds: Dataset, frame: int = 0, window: Window | None = None) -> NDArray[np.uint8]:
    """One frame after the whole pixel pipeline, as 8-bit greyscale (0 black).

    Args:
        ds: an image dataset with file meta (the transfer syntax says how to decode).
        frame: which frame of a multi-frame object, from 0.
        window: (center, width) in modality units (HU for CT) replacing the file's own
            VOI but keeping its VOI LUT Function, or (center, width, function) with the
            function too (see :data:`Window`); ignored for colour images.

    Raises:
        FilmError: no pixel data, a frame that does not exist, undecodable or damaged
            pixel data (the message names the transfer syntax), or unusable LUTs.
    """
    return render_frame(ds, frame, window).pixels


def render_frame(
    ds: Dataset,
    frame: int = 0,
    window: Window | None = None,
    view: Dataset | None = None,
    pending: Future[Any] | None = None,
) -> Rendered:
    """Like :func:`display_frame`, also saying which window was used (for annotations).

    ``view`` is the frame's :func:`frame_view` when the caller already has it; ``pending``
    the frame's decoding already under way (:func:`decoding.submit`).
    """
    frames = frame_count(ds)
    if not 0 <= frame < frames:
        raise FilmError(detail=f"frame {frame} does not exist; the image has {frames} frame(s)")
    pixels, photometric, native = _decode(ds, frame, pending)
    try:
        view = frame_view(ds, frame) if view is None else view
        if photometric in ("MONOCHROME1", "MONOCHROME2"):
            return _grey_to_display(pixels, view, window, native)
        return Rendered(_colour_to_display(pixels, photometric, ds), None, "colour")
    except ATTRIBUTE_ERRORS as exc:
        raise FilmError(
            detail=f"the {photometric} image's display attributes are unusable: {brief(exc)}"
        ) from exc


def frame_count(ds: Dataset) -> int:
    """Number of frames; raises FilmError for objects without pixel data."""
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


def frame_view(ds: Dataset, frame: int) -> Dataset:
    """The attributes that shape one frame's display, flattened from functional groups."""
    view = Dataset()
    for tag in _VIEW_TAGS:
        if tag in ds and not (element := ds[tag]).is_empty:  # an empty slope: "not given"
            view.add(element)
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


# --- decoding -----------------------------------------------------------------------------


def _decode(
    ds: Dataset, frame: int, pending: Future[Any] | None = None
) -> tuple[np.ndarray, str, bool]:
    """The frame's stored values, the photometric interpretation they are now in, and
    whether the bits above Bits Stored are still to be dropped (PS3.5 8.1.1, as dcmtk does;
    decoders of signed JPEG-LS give the unsigned patterns). False for JPEG 2000, whose
    codestream says the precision: a lossy codestream of 16-bit precision for 12-bit data
    overshoots the 12-bit range near its ends, and those values are kept as decoded (as GDCM
    keeps them) instead of wrapping round to the far end of the grey scale."""
    file_meta = getattr(ds, "file_meta", None)
    uid = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    if not uid and not file_meta:
        uid = ImplicitVRLittleEndian  # a bare dataset, without a Part 10 header (PS3.10 7.1)
    if not uid:
        raise FilmError(detail="the file does not say how its pixel data is encoded")
    native = _native_frame(ds, uid, frame)
    if native is not None:
        return native, str(ds.PhotometricInterpretation).strip().upper(), True
    syntax = f"{uid.name} ({uid})" if uid.name != str(uid) else str(uid)
    if uid.is_transfer_syntax and not uid.is_compressed:  # big endian, damaged native data
        try:
            pixels, meta = get_decoder(uid).as_array(ds, index=frame, **as_pixel_options(ds))
        except Exception as exc:  # pydicom's checks of length and attributes
            logger.debug("pixel data in %s could not be read: %s", syntax, brief(exc))
            raise FilmError(detail=f"pixel data in {syntax} could not be decoded") from exc
        raw = True
    else:
        if pending is not None:
            pixels, meta = decoding.collect(pending, ds, uid, frame, syntax)
        else:
            pixels, meta = decoding.decode(ds, uid, frame, syntax)
        raw = uid not in _CODESTREAM_PRECISION
    photometric = str(meta.get("photometric_interpretation", ds.get("PhotometricInterpretation")))
    return pixels, photometric.strip().upper(), raw


def _native_frame(ds: Dataset, uid: UID, frame: int) -> np.ndarray | None:
    """The commonest case without pydicom's decoding machinery (a third of a millisecond per
    frame, a sizeable part of a 20-image sheet): an uncompressed little-endian 8/16-bit
    greyscale frame, as a view on the file's bytes. None for anything else, or anything odd
    (short pixel data, say), which pydicom's decoders then handle with all their checks.

    The bits above Bits Stored are left as they are: such frames always take the lookup
    table, which drops them (:func:`_stored_values`)."""
    if uid not in _NATIVE_LITTLE_ENDIAN:
        return None
    try:
        photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        itemsize = int(ds.BitsAllocated) / 8
        signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
        rows, columns = int(ds.Rows), int(ds.Columns)
        data = ds.PixelData
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    grey = photometric in ("MONOCHROME1", "MONOCHROME2") and samples == 1
    if not grey or itemsize not in (1, 2) or not isinstance(data, bytes):
        return None
    count = rows * columns
    size = count * int(itemsize)
    if rows < 1 or columns < 1 or len(data) < (frame + 1) * size:
        return None
    dtype = np.dtype(f"<{'i' if signed else 'u'}{int(itemsize)}")
    return np.frombuffer(data, dtype, count, frame * size).reshape(rows, columns)


def _stored_values(patterns: np.ndarray, view: Dataset) -> np.ndarray:
    """Raw 8/16-bit patterns as stored values: the bits above Bits Stored dropped (and the
    sign extended for signed pixels), as PS3.5 8.1.1 says a reader must."""
    bits = 8 * patterns.dtype.itemsize
    try:
        stored = int(view.get("BitsStored", bits) or bits)
    except (TypeError, ValueError):
        stored = bits
    if not 0 < stored < bits:
        return patterns
    shift = bits - stored
    return np.right_shift(np.left_shift(patterns, shift), shift)  # arithmetic when signed


def _usable_lut(sequence: Sequence[Dataset]) -> bool:
    if not sequence:
        return False
    descriptor = sequence[0].get("LUTDescriptor")
    return bool(descriptor is not None and len(descriptor) == 3 and sequence[0].get("LUTData"))


# --- the greyscale pipeline ---------------------------------------------------------------

_LUT_CACHE: OrderedDict[Hashable, NDArray[np.uint8]] = OrderedDict()
_LUT_CACHE_SIZE = 32
_PARALLEL_PIXELS = 1 << 21
_LUT_LOCK = threading.Lock()


def _grey_to_display(
    stored: np.ndarray, view: Dataset, window: Window | None, raw: bool = True
) -> Rendered:
    """``raw``: ``stored`` holds the file's bit patterns (see :func:`_decode`)."""
    for keyword in ("ModalityLUTSequence", "VOILUTSequence"):
        if keyword in view and not _usable_lut(view[keyword].value):
            logger.warning("ignoring an empty or incomplete %s", keyword)
            del view[keyword]  # the view is our own copy
    if not stored.dtype.isnative:
        stored = stored.astype(stored.dtype.newbyteorder("="))
    index = _lut_index(stored)
    if index is None:  # 32-bit or float pixels: the same chain, per pixel
        table, used, voi = _transfer(stored, view, _voi_key(view, window))
        return Rendered(table, used, voi)
    size = 1 << (8 * stored.dtype.itemsize)
    domain = np.arange(size, dtype=index.dtype).view(stored.dtype)
    if raw:
        domain = _stored_values(domain, view)
    voi_key = _voi_key(view, window)
    if voi_key is None:  # automatic window: depends on this image's content
        voi_key = ("auto", *_auto_window(domain, view, index))
    key = (stored.dtype.str, raw, _freeze(view, _LUT_TAGS), voi_key)
    with _LUT_LOCK:
        cached = _LUT_CACHE.get(key)
        if cached is not None:
            _LUT_CACHE.move_to_end(key)
    if cached is None:
        cached = _transfer(domain, view, voi_key)[0]
        with _LUT_LOCK:
            _LUT_CACHE[key] = cached
            while len(_LUT_CACHE) > _LUT_CACHE_SIZE:
                _LUT_CACHE.popitem(last=False)
    used = None
    if voi_key[0] in ("window", "file", "auto"):
        used = (float(voi_key[1]), float(voi_key[2]))  # type: ignore[arg-type]
    return Rendered(_look_up(cached, index), used, str(voi_key[0]))


def _look_up(table: NDArray[np.uint8], index: np.ndarray) -> NDArray[np.uint8]:
    """``table[index]``, in row strips on several cores for a large radiograph."""
    if index.size < _PARALLEL_PIXELS or index.ndim != 2 or WORKERS == 1:
        return np.take(table, index)
    out = np.empty(index.shape, dtype=np.uint8)
    bounds = [round(i * index.shape[0] / WORKERS) for i in range(WORKERS + 1)]

    def strip(i: int) -> None:
        np.take(table, index[bounds[i] : bounds[i + 1]], out=out[bounds[i] : bounds[i + 1]])

    map_parts(strip, range(WORKERS))
    return out


def _lut_index(stored: np.ndarray) -> np.ndarray | None:
    """The stored values as unsigned bit patterns (a view), when a lookup table fits."""
    if stored.dtype.kind in "ui" and stored.dtype.itemsize in (1, 2):
        return stored.view(np.uint8 if stored.dtype.itemsize == 1 else np.uint16)
    return None


def _voi_key(view: Dataset, window: Window | None) -> tuple[object, ...] | None:
    """What decides the VOI stage, or None when only the image content can (automatic)."""
    if window is not None:
        center, width = float(window[0]), float(window[1])
        function = window[2] if len(window) > 2 else _file_function(view)
        if function == "LINEAR" and width < 1:
            function = "LINEAR_EXACT"
        return ("window", center, width, function)
    if "VOILUTSequence" in view:
        return ("lut",)
    if "WindowCenter" in view and "WindowWidth" in view:
        try:
            center, width = _first(view.WindowCenter), _first(view.WindowWidth)
        except (TypeError, ValueError):
            center = width = math.nan
        function = _file_function(view)
        usable = math.isfinite(center) and math.isfinite(width) and width > 0
        if usable and (function != "LINEAR" or width >= 1):  # LINEAR needs a width of 1+
            return ("file", center, width, function)
        logger.warning(
            "the file's window (%s, %s, %s) is unusable; using an automatic one",
            view.WindowCenter, view.WindowWidth, function,
        )  # fmt: skip
    return None


def _file_function(view: Dataset) -> str:
    """The file's VOI LUT Function; LINEAR when absent or not one the standard defines."""
    function = str(view.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    return function if function in VOI_FUNCTIONS else "LINEAR"


def _first(value: object) -> float:
    if isinstance(value, (MultiValue, list, tuple)):
        value = value[0]
    return float(value)  # type: ignore[arg-type]


def _transfer(
    stored: np.ndarray, view: Dataset, voi_key: tuple[object, ...] | None
) -> tuple[NDArray[np.uint8], tuple[float, float] | None, str]:
    """Stored values → P-values in float64, exactly as PS3.3/PS3.4 write it.

    ``stored`` is either every possible stored value (to build a lookup table) or a frame's
    pixels; ``voi_key`` None (no usable window) means a window from these values' content.
    """
    values = np.asarray(apply_modality_lut(stored, view), dtype=np.float64)
    if voi_key is None:  # per-pixel path without a usable window: the content decides
        padding = _padding(stored, view)
        sample = values[~padding] if (~padding).any() else values.ravel()
        low, high = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
        voi_key = ("auto", *_span_window(low, high))
    kind = voi_key[0]
    if kind == "lut":
        bits = int(view.VOILUTSequence[0].LUTDescriptor[2])
        integral = np.array_equal(values, np.rint(values))  # a LUT is indexed by integers
        lut_input = values.astype(np.int64) if integral else values
        scaled = np.asarray(apply_voi_lut(lut_input, view, prefer_lut=True), dtype=np.float64)
        scaled *= 255 / (2**bits - 1)
    else:
        _, center, width, function = voi_key
        scaled = _window(values, float(center), float(width), str(function))  # type: ignore[arg-type]
    # For MONOCHROME1 the standard also requires Presentation LUT Shape INVERSE (PS3.3
    # C.8.11.6.1.2): both describe the same inversion, so the image is inverted once.
    shape = str(view.get("PresentationLUTShape", "")).strip().upper()
    if view.get("PhotometricInterpretation") == "MONOCHROME1" or shape == "INVERSE":
        scaled = 255 - scaled
    scaled[_padding(stored, view)] = 0  # padding is not image: it prints black like the sheet
    out = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    used = (float(voi_key[1]), float(voi_key[2])) if kind != "lut" else None  # type: ignore[arg-type]
    return out, used, str(kind)


def _window(values: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """A window onto 0..255 (PS3.3 C.11.2.1.2: LINEAR, LINEAR_EXACT, SIGMOID)."""
    if function == "SIGMOID":
        return 255 / (1 + np.exp(-4 * (values - center) / width))
    if function == "LINEAR_EXACT":
        low, high = center - width / 2, center + width / 2
        inside = ((values - center) / width + 0.5) * 255
    else:  # LINEAR, width >= 1
        low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
        inside = ((values - (center - 0.5)) / max(width - 1, 1e-12) + 0.5) * 255
    return np.where(values <= low, 0.0, np.where(values > high, 255.0, inside))


def _span_window(low: float, high: float) -> tuple[float, float, str]:
    high = max(high, low + 1e-6)
    return (low + high) / 2, high - low, "LINEAR_EXACT"


def _auto_window(domain: np.ndarray, view: Dataset, index: np.ndarray) -> tuple[float, float, str]:
    """A window over the 0.5th..99.5th percentiles of the content (not padding, not outliers).

    The percentiles come from a histogram of the stored values, so no per-pixel sort.
    """
    counts = np.bincount(index.ravel(), minlength=domain.size)
    padding = _padding(domain, view)
    if counts[~padding].any():
        counts[padding] = 0
    values = np.asarray(apply_modality_lut(domain, view), dtype=np.float64)
    present = np.flatnonzero(counts)
    order = present[np.argsort(values[present], kind="stable")]
    cumulative = np.cumsum(counts[order])
    total = cumulative[-1]
    low, high = (
        float(values[order[min(np.searchsorted(cumulative, q * total, "left"), order.size - 1)]])
        for q in (0.005, 0.995)
    )
    return _span_window(low, high)


def _padding(stored: np.ndarray, view: Dataset) -> NDArray[np.bool_]:
    """Where the stored values are Pixel Padding Value (or within its range limit)."""
    if view.get("PixelPaddingValue") is None:
        return np.zeros(stored.shape, dtype=bool)
    pad, limit = int(view.PixelPaddingValue), view.get("PixelPaddingRangeLimit")
    if limit is None:
        return np.asarray(stored == pad)
    low, high = sorted((pad, int(limit)))
    return np.asarray((stored >= low) & (stored <= high))


def _freeze(view: Dataset, tags: frozenset[int]) -> tuple[object, ...]:
    """A hashable summary of the attributes a lookup table depends on (``view`` holds
    elements already converted: :func:`frame_view` made it)."""
    return tuple(
        (int(tag), _frozen(element.value)) for tag, element in sorted(view.items()) if tag in tags
    )


def _frozen(value: object) -> object:
    if isinstance(value, DicomSequence):
        return tuple(
            tuple((element.tag, _frozen(element.value)) for element in item) for item in value
        )
    if isinstance(value, (MultiValue, list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, np.ndarray):
        return value.tobytes()
    return str(value)


# --- colour -------------------------------------------------------------------------------


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
    luminance = rgb.astype(np.float32) @ _BT601.astype(np.float32) * np.float32(255 / full_scale)
    return np.clip(np.rint(luminance), 0, 255).astype(np.uint8)


# --- geometry read from the dataset -------------------------------------------------------


def pixel_aspect(ds: Dataset) -> float:
    """Physical height / width of one pixel: 1.0 for square pixels, 2.0 for tall ones.

    Taken from Pixel Spacing (row spacing / column spacing), else Imager Pixel Spacing,
    else Pixel Aspect Ratio, else 1.0. Enhanced objects' Pixel Measures are honoured.
    """
    try:
        view = frame_view(ds, 0)
    except ATTRIBUTE_ERRORS:
        return 1.0
    return aspect_of(view)


def aspect_of(view: Dataset) -> float:
    """:func:`pixel_aspect` from a frame's view."""
    for keyword in ("PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio"):
        if (ratio := ratio_of(view.get(keyword))) is not None:
            return ratio
    return 1.0


def column_spacing_mm(view: Dataset, across: bool = False) -> float | None:
    """Physical width of one pixel in mm (Pixel Spacing, else Imager Pixel Spacing).

    ``across``: its height instead, the width on film of an image turned a quarter turn.
    """
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        element = view.get(keyword)
        try:
            row, column = (float(v) for v in element)
        except (TypeError, ValueError):
            continue
        spacing = row if across else column
        if spacing > 0 and math.isfinite(spacing):
            return spacing
    return None


def ratio_of(value: object) -> float | None:
    """first / second of a two-valued attribute when both are positive numbers."""
    try:
        first, second = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    ok = first > 0 and second > 0 and math.isfinite(first / second)
    return first / second if ok else None
