"""Grayscale Softcopy Presentation States: the radiologist's window, turn, crop and marks.

A GSPS (PS3.3 A.33.1) names the images it applies to (Presentation State Relationship,
C.11.11: Referenced Series > Referenced Image, optionally per frame) and says how to show
them. The film engine honours, in the order of PS3.4 N.2:

- **Modality LUT** (Rescale Slope/Intercept or a Modality LUT Sequence): replaces the image's.
- **Softcopy VOI LUT** (a window with its VOI LUT Function, or a VOI LUT): replaces the
  image's VOI, for the images each item names (all of them when an item names none).
- **Presentation LUT Shape**: IDENTITY or INVERSE alone decides the polarity (a state made
  for a MONOCHROME1 image says INVERSE itself), so a MONOCHROME1 image is not inverted twice.
- **Display shutters** (rectangular, circular, polygonal): outside them prints the Shutter
  Presentation Value, black by default.
- **Spatial transformation** (C.10.6): Image Rotation clockwise, then Image Horizontal Flip.
- **Displayed Area Selection** (C.10.4): the area between the two corner pixels fills the
  cell, whatever the Presentation Size Mode (a film cell has its own size); area outside the
  image prints black. Presentation Pixel Spacing or Aspect Ratio overrides the image's.
- **Graphic annotations** (C.10.5): text, polylines, interpolated curves (as polylines),
  circles, ellipses and points, in PIXEL units (0\\0 the top left corner of the top left
  pixel, Columns\\Rows the bottom right corner of the last one) or DISPLAY units (fractions of
  the displayed area), white with a dark halo like the corner text, turned and cropped with
  the pixels (:mod:`.graphics`).

What a GSPS leaves out keeps the image's own value (a GSPS without a VOI keeps the image's
window). Several GSPS for one image: the one a Key Object Selection names for it, else one a
KOS names, else the latest (Presentation Creation Date and Time). A GSPS that cannot be read
is logged and the image prints as without it; it never stops a film.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset

from kiosk_app.services.film.errors import brief
from kiosk_app.services.film.graphics import (
    Geometry,
    Graphic,
    finite,
    graphic_object,
    text_object,
    values_of,
)
from kiosk_app.services.film.pipeline import Rendered, Window, frame_view, render_frame

logger = logging.getLogger(__name__)

GRAYSCALE_SOFTCOPY_PRESENTATION_STATE = "1.2.840.10008.5.1.4.1.1.11.1"
PRESENTATION_STATE_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
"""Every softcopy presentation state class (greyscale, colour, pseudo-colour, blending...)."""

_MAX_AREA_FACTOR = 16  # a displayed area of more pixels than this many images is a mistake


def is_presentation_state(ds: Dataset) -> bool:
    """Any softcopy presentation state (only greyscale ones are applied)."""
    return str(ds.get("SOPClassUID", "")).startswith(PRESENTATION_STATE_PREFIX)


@dataclass(frozen=True)
class Shutter:
    """Display shutters: only what lies inside every one of them shows; the rest is ``value``."""

    rectangle: tuple[int, int, int, int] | None = None
    """(left column, right column, upper row, lower row), 1-based and inclusive."""
    circle: tuple[float, float, float] | None = None
    """(centre row, centre column, radius), 1-based pixels."""
    polygon: tuple[tuple[float, float], ...] = ()
    """(row, column) vertices, 1-based."""
    value: int = 0
    """The shutter's grey, 0 black .. 255 white."""


@dataclass(frozen=True)
class Presentation:
    """What one GSPS says about one frame of one image."""

    label: str
    """The GSPS's Content Label, for logs (never patient data)."""
    rescale: tuple[float, float, str] | None = None
    """(slope, intercept, type) replacing the image's modality LUT."""
    modality_lut: Dataset | None = field(default=None, compare=False)
    window: tuple[float, float, str] | None = None
    """(center, width, VOI LUT Function) replacing the image's VOI."""
    voi_lut: Dataset | None = field(default=None, compare=False)
    """A VOI LUT Sequence item replacing the image's VOI."""
    inverse: bool | None = None
    """Presentation LUT Shape INVERSE (True), IDENTITY (False) or not given (None)."""
    rotation: int = 0
    """Clockwise degrees: 0, 90, 180 or 270."""
    flip: bool = False
    area: tuple[int, int, int, int] | None = None
    """Displayed area corners (column, row, column, row), 1-based pixels of the image."""
    aspect: float | None = None
    """Presentation pixel aspect (height / width), overriding the image's."""
    spacing: tuple[float, float] | None = None
    """Presentation Pixel Spacing (row, column) in mm, overriding the image's (scale bar)."""
    shutter: Shutter | None = None
    graphics: tuple[Graphic, ...] = ()

    def present(self, view: Dataset) -> Dataset:
        """A copy of a frame's view with this presentation's LUT stages in place of its own.

        The pipeline then builds (and caches) its lookup table from the copy as from any image.
        """
        view = _copy_view(view)
        if self.rescale is not None or self.modality_lut is not None:
            for keyword in ("RescaleSlope", "RescaleIntercept", "RescaleType",
                            "ModalityLUTSequence"):  # fmt: skip
                view.pop(keyword, None)
            if self.rescale is not None:
                view.RescaleSlope, view.RescaleIntercept = self.rescale[0], self.rescale[1]
                view.RescaleType = self.rescale[2] or "US"
            else:
                view.ModalityLUTSequence = [self.modality_lut]
        if self.window is not None or self.voi_lut is not None:
            for keyword in ("WindowCenter", "WindowWidth", "VOILUTFunction", "VOILUTSequence"):
                view.pop(keyword, None)
            if self.window is not None:
                view.WindowCenter, view.WindowWidth = self.window[0], self.window[1]
                view.VOILUTFunction = self.window[2]
            else:
                view.VOILUTSequence = [self.voi_lut]
        if self.inverse is not None:
            # The shape alone decides the polarity: the view says MONOCHROME2 so that the
            # pipeline does not invert a MONOCHROME1 image a second time.
            view.PhotometricInterpretation = "MONOCHROME2"
            view.PresentationLUTShape = "INVERSE" if self.inverse else "IDENTITY"
        return view

    def measured(self, view: Dataset) -> Dataset:
        """``view`` with the presentation's pixel spacing, for the scale bar."""
        if self.spacing is None:
            return view
        view = _copy_view(view)
        view.PixelSpacing = list(self.spacing)
        return view

    def display_aspect(self, image_aspect: float) -> float:
        """Physical height / width of one displayed pixel, after the rotation."""
        aspect = self.aspect or image_aspect
        return 1 / aspect if self.rotation in (90, 270) else aspect

    def arrange(self, pixels: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], Geometry]:
        """Shutters, rotation, flip and displayed area applied to a rendered frame."""
        rows, columns = pixels.shape
        if self.shutter is not None:
            pixels = _shut(pixels, self.shutter)
        turned = np.rot90(pixels, k=-(self.rotation // 90))
        if self.flip:
            turned = turned[:, ::-1]
        geometry = Geometry(rows, columns, self.rotation, self.flip, (0, 0, *turned.shape[::-1]))
        if self.area is not None:
            area = geometry.area_of(self.area)
            x0, y0, x1, y1 = area
            height, width = turned.shape
            shown = (x1 - x0) * (y1 - y0)
            if x1 > x0 and y1 > y0 and shown <= _MAX_AREA_FACTOR * width * height:
                turned = _crop(turned, area)
                geometry = Geometry(rows, columns, self.rotation, self.flip, area)
            else:
                logger.warning("ignoring an unusable displayed area in a presentation state")
        return np.ascontiguousarray(turned), geometry


def render_presented(
    ds: Dataset,
    frame: int,
    presentation: Presentation,
    window: Window | None = None,
    view: Dataset | None = None,
    pending: Future[Any] | None = None,
) -> tuple[Rendered, NDArray[np.uint8], Geometry]:
    """One frame through the pixel pipeline as ``presentation`` shows it, at native size.

    Returns:
        (what the pipeline rendered, the pixels shuttered, turned and cropped, where image
        coordinates land in them).

    Raises:
        FilmError: as :func:`.pipeline.render_frame`; ValueError and the like for a
            presentation that does not fit the image.
    """
    shown = presentation.present(frame_view(ds, frame) if view is None else view)
    rendered = render_frame(ds, frame, window, shown, pending)
    pixels, geometry = presentation.arrange(rendered.pixels)
    return rendered, pixels, geometry


# --- choosing -----------------------------------------------------------------------------


def presentations(
    datasets: Sequence[Dataset],
    frames: Iterable[tuple[Dataset, int]],
    chosen: Mapping[str, str] | None = None,
    named: frozenset[str] = frozenset(),
) -> dict[tuple[str, int], Presentation]:
    """The presentation of each frame that a GSPS among ``datasets`` references.

    Args:
        datasets: the exam's objects; the GSPS among them are used.
        frames: (image, frame index from 0) pairs to be printed.
        chosen: image SOP Instance UID → the GSPS a KOS names for that image.
        named: GSPS that a KOS names (beside its images or in its evidence).

    Returns:
        {(SOP Instance UID, frame index): Presentation} for the frames a GSPS applies to.
    """
    gsps = GRAYSCALE_SOFTCOPY_PRESENTATION_STATE
    states = [ds for ds in datasets if str(ds.get("SOPClassUID", "")) == gsps]
    if not states:
        return {}
    chosen = chosen or {}
    references: dict[int, dict[str, frozenset[int] | None]] = {}
    for ps in states:
        try:
            references[id(ps)] = _references(ps)
        except Exception as exc:  # a damaged state of any kind is left out, never fatal
            _left_out(ps, exc)
    states = [ps for ps in states if id(ps) in references]
    used: set[int] = set()
    found: dict[tuple[str, int], Presentation] = {}
    for ds, index in frames:
        uid = str(ds.get("SOPInstanceUID", ""))
        candidates = [ps for ps in states if _applies(references[id(ps)], uid, index + 1)]
        if not candidates:
            continue
        used.update(id(ps) for ps in candidates)

        def rank(ps: Dataset, uid: str = uid) -> tuple[int, str, int]:
            ps_uid = str(ps.get("SOPInstanceUID", ""))
            tier = 2 if chosen.get(uid) == ps_uid else 1 if ps_uid in named else 0
            return tier, _created(ps), _instance_number(ps)

        for ps in sorted(candidates, key=rank, reverse=True):
            try:
                found[(uid, index)] = parse_presentation(ps, uid, index)
                break
            except Exception as exc:  # a damaged state of any kind is left out, never fatal
                _left_out(ps, exc)
    for ps in states:
        if id(ps) not in used:
            logger.info("presentation state %s references no image on this film", _label(ps))
    return found


def _left_out(ps: Dataset, exc: Exception) -> None:
    # Only the kind of error above DEBUG: a value in the message might be anything.
    logger.warning("a presentation state (%s) is unusable and left out: %s",
                   _label(ps), type(exc).__name__)  # fmt: skip
    logger.debug("the presentation state's problem: %s", brief(exc))


def _references(ps: Dataset) -> dict[str, frozenset[int] | None]:
    """SOP Instance UID → 1-based frame numbers (None: every frame)."""
    found: dict[str, frozenset[int] | None] = {}
    for series in ps.get("ReferencedSeriesSequence") or []:
        for ref in series.get("ReferencedImageSequence") or []:
            uid = str(ref.get("ReferencedSOPInstanceUID", ""))
            numbers = _frame_numbers(ref)
            before = found.get(uid, frozenset())
            found[uid] = None if numbers is None or before is None else before | numbers
    return found


def _frame_numbers(ref: Dataset) -> frozenset[int] | None:
    value = ref.get("ReferencedFrameNumber")
    if value in (None, ""):
        return None
    values = [value] if isinstance(value, (str, int)) else list(value)
    return frozenset(int(v) for v in values)


def _applies(references: Mapping[str, frozenset[int] | None], uid: str, number: int) -> bool:
    if uid not in references:
        return False
    numbers = references[uid]
    return numbers is None or number in numbers


def _item_applies(item: Dataset, uid: str, number: int) -> bool:
    """A sequence item without its own Referenced Image Sequence applies to every image."""
    refs = item.get("ReferencedImageSequence")
    if not refs:
        return True
    for ref in refs:
        if str(ref.get("ReferencedSOPInstanceUID", "")) == uid:
            numbers = _frame_numbers(ref)
            if numbers is None or number in numbers:
                return True
    return False


def _created(ps: Dataset) -> str:
    day = str(ps.get("PresentationCreationDate", "") or "").strip()
    time = str(ps.get("PresentationCreationTime", "") or "").strip().replace(":", "")
    whole, _, fraction = time.partition(".")
    return f"{day:0<8}{whole:0<6}{fraction:0<6}"


def _instance_number(ps: Dataset) -> int:
    try:
        return int(ps.get("InstanceNumber") or 0)
    except (TypeError, ValueError):
        return 0


def _label(ps: Dataset) -> str:
    return repr(str(ps.get("ContentLabel", "") or "UNNAMED")[:64])


# --- reading ------------------------------------------------------------------------------


def parse_presentation(ps: Dataset, uid: str, frame: int) -> Presentation:
    """What ``ps`` says about frame ``frame`` (from 0) of image ``uid``.

    Raises:
        ValueError (TypeError, AttributeError...): a value the standard does not allow, or a
            required attribute missing.
    """
    number = frame + 1
    rescale = None
    modality_lut = None
    if ps.get("ModalityLUTSequence"):
        modality_lut = _lut_item(ps.ModalityLUTSequence)
    elif ps.get("RescaleSlope") not in (None, "") or ps.get("RescaleIntercept") not in (None, ""):
        slope = finite(ps.get("RescaleSlope", 1))
        intercept = finite(ps.get("RescaleIntercept", 0))
        rescale = (slope, intercept, str(ps.get("RescaleType", "") or "").strip())
    window, voi_lut = _voi(ps, uid, number)
    shape = str(ps.get("PresentationLUTShape", "") or "").strip().upper()
    if shape not in ("", "IDENTITY", "INVERSE"):
        raise ValueError(f"Presentation LUT Shape {shape!r}")
    if not shape and ps.get("PresentationLUTSequence"):
        logger.info("a presentation state's Presentation LUT Sequence is not applied")
    rotation = int(ps.get("ImageRotation") or 0)
    if rotation not in (0, 90, 180, 270):
        raise ValueError(f"Image Rotation {rotation}")
    flip = str(ps.get("ImageHorizontalFlip", "N") or "N").strip().upper()
    if flip not in ("Y", "N"):
        raise ValueError(f"Image Horizontal Flip {flip!r}")
    area, aspect, spacing = _displayed_area(ps, uid, number)
    return Presentation(
        label=str(ps.get("ContentLabel", "") or ""),
        rescale=rescale,
        modality_lut=modality_lut,
        window=window,
        voi_lut=voi_lut,
        inverse=None if not shape else shape == "INVERSE",
        rotation=rotation,
        flip=flip == "Y",
        area=area,
        aspect=aspect,
        spacing=spacing,
        shutter=_shutter(ps),
        graphics=tuple(_graphics(ps, uid, number)),
    )


def _first(value: object) -> object:
    return value[0] if isinstance(value, Sequence) and not isinstance(value, str) else value


def _lut_item(sequence: Sequence[Dataset]) -> Dataset:
    item = sequence[0]
    descriptor = item.get("LUTDescriptor")
    if descriptor is None or len(descriptor) != 3 or not item.get("LUTData"):
        raise ValueError("an incomplete lookup table")
    return item


def _voi(
    ps: Dataset, uid: str, number: int
) -> tuple[tuple[float, float, str] | None, Dataset | None]:
    for item in ps.get("SoftcopyVOILUTSequence") or []:
        if not _item_applies(item, uid, number):
            continue
        if item.get("VOILUTSequence"):
            return None, _lut_item(item.VOILUTSequence)
        center, width = finite(_first(item.WindowCenter)), finite(_first(item.WindowWidth))
        function = str(item.get("VOILUTFunction", "") or "LINEAR").strip().upper()
        if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
            raise ValueError(f"VOI LUT Function {function!r}")
        if width <= 0 or (function == "LINEAR" and width < 1):
            raise ValueError(f"window width {width}")
        return (center, width, function), None
    return None, None


def _displayed_area(
    ps: Dataset, uid: str, number: int
) -> tuple[tuple[int, int, int, int] | None, float | None, tuple[float, float] | None]:
    """(corners, pixel aspect, pixel spacing) of the item for this frame, None where not said."""
    for item in ps.get("DisplayedAreaSelectionSequence") or []:
        if not _item_applies(item, uid, number):
            continue
        c0, r0 = (int(v) for v in item.DisplayedAreaTopLeftHandCorner)
        c1, r1 = (int(v) for v in item.DisplayedAreaBottomRightHandCorner)
        aspect = spacing = None
        if item.get("PresentationPixelSpacing") is not None:
            row, column = (finite(v) for v in item.PresentationPixelSpacing)
            if row > 0 and column > 0:
                aspect, spacing = row / column, (row, column)
        elif item.get("PresentationPixelAspectRatio") is not None:
            vertical, horizontal = (finite(v) for v in item.PresentationPixelAspectRatio)
            aspect = vertical / horizontal if vertical > 0 and horizontal > 0 else None
        return (c0, r0, c1, r1), aspect, spacing
    return None, None, None


def _shutter(ps: Dataset) -> Shutter | None:
    shapes = {str(v).strip().upper() for v in values_of(ps.get("ShutterShape"))}
    if not shapes:
        return None
    rectangle = circle = None
    polygon: tuple[tuple[float, float], ...] = ()
    if "RECTANGULAR" in shapes:
        rectangle = (
            int(ps.ShutterLeftVerticalEdge), int(ps.ShutterRightVerticalEdge),
            int(ps.ShutterUpperHorizontalEdge), int(ps.ShutterLowerHorizontalEdge),
        )  # fmt: skip
    if "CIRCULAR" in shapes:
        row, column = (finite(v) for v in ps.CenterOfCircularShutter)
        circle = (row, column, finite(ps.RadiusOfCircularShutter))
    if "POLYGONAL" in shapes:
        values = [finite(v) for v in ps.VerticesOfThePolygonalShutter]
        if len(values) < 6 or len(values) % 2:
            raise ValueError("a polygonal shutter needs three vertices or more")
        polygon = tuple(zip(values[::2], values[1::2], strict=True))
    value = int(ps.get("ShutterPresentationValue") or 0)
    return Shutter(rectangle, circle, polygon, round(min(max(value, 0), 0xFFFF) * 255 / 0xFFFF))


def _graphics(ps: Dataset, uid: str, number: int) -> list[Graphic]:
    found: list[Graphic] = []
    for annotation in ps.get("GraphicAnnotationSequence") or []:
        if not _item_applies(annotation, uid, number):
            continue
        for text in annotation.get("TextObjectSequence") or []:
            found.append(text_object(text))
        for graphic in annotation.get("GraphicObjectSequence") or []:
            found.append(graphic_object(graphic))
    return found


# --- pixels -------------------------------------------------------------------------------


def _copy_view(view: Dataset) -> Dataset:
    copy = Dataset()
    for element in view:
        copy.add(element)
    if hasattr(view, "file_meta"):
        copy.file_meta = view.file_meta
    return copy


def _crop(pixels: NDArray[np.uint8], area: tuple[int, int, int, int]) -> NDArray[np.uint8]:
    """``pixels[y0:y1, x0:x1]``, black where the area reaches beyond the image."""
    x0, y0, x1, y1 = area
    height, width = pixels.shape
    out = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    top, bottom, left, right = max(y0, 0), min(y1, height), max(x0, 0), min(x1, width)
    if bottom > top and right > left:
        out[top - y0 : bottom - y0, left - x0 : right - x0] = pixels[top:bottom, left:right]
    return out


def _shut(pixels: NDArray[np.uint8], shutter: Shutter) -> NDArray[np.uint8]:
    rows, columns = pixels.shape
    visible = np.ones((rows, columns), dtype=bool)
    r = np.arange(1, rows + 1)[:, None]
    c = np.arange(1, columns + 1)[None, :]
    if shutter.rectangle is not None:
        left, right, upper, lower = shutter.rectangle
        visible &= (c >= left) & (c <= right) & (r >= upper) & (r <= lower)
    if shutter.circle is not None:
        row, column, radius = shutter.circle
        visible &= (r - row) ** 2 + (c - column) ** 2 <= radius**2
    if shutter.polygon:
        inside = Image.new("L", (columns, rows), 0)
        ImageDraw.Draw(inside).polygon([(col - 1, row - 1) for row, col in shutter.polygon], 255)
        visible &= np.asarray(inside) > 0
    out = pixels.copy()
    out[~visible] = shutter.value
    return out
