"""Grayscale Softcopy Presentation States: the radiologist's window, turn, crop and marks.

A GSPS (PS3.3 A.33.1) names the images it applies to (Presentation State Relationship,
C.11.11: Referenced Series > Referenced Image, optionally per frame) and says how to show
them. The film engine honours, in the order of PS3.4 N.2:

- **Modality LUT** (Rescale Slope/Intercept or a Modality LUT Sequence): replaces the image's.
- **Softcopy VOI LUT** (a window with its VOI LUT Function, or a VOI LUT): replaces the
  image's VOI, for the images each item names (all of them when an item names none).
- **Presentation LUT Shape**: IDENTITY or INVERSE alone decides the polarity, as for a
  MONOCHROME1 image the presentation state says INVERSE itself (PS3.3 C.11.6.1).
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
  the pixels.

What a GSPS leaves out keeps the image's own value (a GSPS without a VOI keeps the image's
window). Several GSPS for one image: the one a Key Object Selection names for it, else one a
KOS names, else the latest (Presentation Creation Date and Time). A GSPS that cannot be read
is logged and the image prints as without it; it never stops a film.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset

from kiosk_app.services.film.annotate import outlined, stamp, text_stamp
from kiosk_app.services.film.errors import brief
from kiosk_app.services.film.layout import MM_PER_INCH, Box
from kiosk_app.services.film.pipeline import Rendered, frame_view, render_frame

logger = logging.getLogger(__name__)

GRAYSCALE_SOFTCOPY_PRESENTATION_STATE = "1.2.840.10008.5.1.4.1.1.11.1"
PRESENTATION_STATE_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
"""Every softcopy presentation state class (greyscale, colour, pseudo-colour, blending...)."""

Point = tuple[float, float]
"""(x, y): column then row, as Graphic Data is written."""

_CURVE_POINTS = 72  # a circle or ellipse as a polygon: smooth at film sizes
_LINE_MM = 0.35
_MAX_AREA_FACTOR = 16  # a displayed area of more pixels than this many images is a mistake


def is_presentation_state(ds: Dataset) -> bool:
    """Any softcopy presentation state (only greyscale ones are applied)."""
    return str(ds.get("SOPClassUID", "")).startswith(PRESENTATION_STATE_PREFIX)


@dataclass(frozen=True)
class Polyline:
    """Connected points (a circle or ellipse arrives here as its outline)."""

    points: tuple[Point, ...]
    display: bool
    """True: fractions of the displayed area; False: image pixels."""
    closed: bool = False
    filled: bool = False


@dataclass(frozen=True)
class Mark:
    """A POINT graphic: a small cross."""

    point: Point
    display: bool


@dataclass(frozen=True)
class Label:
    """A text object: in its bounding box, else beside its anchor point."""

    text: str
    box: tuple[Point, Point] | None
    box_display: bool
    anchor: Point | None
    anchor_display: bool
    justification: str = "LEFT"
    anchor_line: bool = False
    """Draw a line from the box to the anchor (Anchor Point Visibility Y)."""


Graphic = Polyline | Mark | Label


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
    window: tuple[float, float] | None = None,
    view: Dataset | None = None,
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
    rendered = render_frame(ds, frame, window, shown)
    pixels, geometry = presentation.arrange(rendered.pixels)
    return rendered, pixels, geometry


@dataclass(frozen=True)
class Geometry:
    """Where image coordinates land once turned, flipped and cropped."""

    rows: int
    columns: int
    rotation: int
    flip: bool
    area: tuple[int, int, int, int]
    """(x0, y0, x1, y1) of the displayed area in turned-image pixels, x1 and y1 exclusive."""

    def turn(self, x: float, y: float) -> Point:
        """A point of the image (0\\0 its top left corner) in the turned, flipped image."""
        rows, columns = self.rows, self.columns
        if self.rotation == 90:
            x, y, width = rows - y, x, rows
        elif self.rotation == 180:
            x, y, width = columns - x, rows - y, columns
        elif self.rotation == 270:
            x, y, width = y, columns - x, rows
        else:
            width = columns
        return (width - x, y) if self.flip else (x, y)

    def area_of(self, corners: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The displayed area's pixels from its two corner pixels (1-based column, row)."""
        c0, r0, c1, r1 = corners
        (xa, ya), (xb, yb) = self.turn(c0 - 0.5, r0 - 0.5), self.turn(c1 - 0.5, r1 - 0.5)
        return (round(min(xa, xb) - 0.5), round(min(ya, yb) - 0.5),
                round(max(xa, xb) + 0.5), round(max(ya, yb) + 0.5))  # fmt: skip

    def to_sheet(self, point: Point, display: bool, placed: Box) -> Point:
        """A graphic's point on the sheet, the displayed area drawn at ``placed``."""
        x0, y0, x1, y1 = self.area
        if display:
            x, y = point[0] * (x1 - x0), point[1] * (y1 - y0)
        else:
            x, y = self.turn(*point)
            x, y = x - x0, y - y0
        top, left, bottom, right = placed
        return left + x * (right - left) / (x1 - x0), top + y * (bottom - top) / (y1 - y0)


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
        slope = _finite(ps.get("RescaleSlope", 1))
        intercept = _finite(ps.get("RescaleIntercept", 0))
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


def _finite(value: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


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
        center, width = _finite(_first(item.WindowCenter)), _finite(_first(item.WindowWidth))
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
            row, column = (_finite(v) for v in item.PresentationPixelSpacing)
            if row > 0 and column > 0:
                aspect, spacing = row / column, (row, column)
        elif item.get("PresentationPixelAspectRatio") is not None:
            vertical, horizontal = (_finite(v) for v in item.PresentationPixelAspectRatio)
            aspect = vertical / horizontal if vertical > 0 and horizontal > 0 else None
        return (c0, r0, c1, r1), aspect, spacing
    return None, None, None


def _shutter(ps: Dataset) -> Shutter | None:
    shapes = {str(v).strip().upper() for v in _values(ps.get("ShutterShape"))}
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
        row, column = (_finite(v) for v in ps.CenterOfCircularShutter)
        circle = (row, column, _finite(ps.RadiusOfCircularShutter))
    if "POLYGONAL" in shapes:
        values = [_finite(v) for v in ps.VerticesOfThePolygonalShutter]
        if len(values) < 6 or len(values) % 2:
            raise ValueError("a polygonal shutter needs three vertices or more")
        polygon = tuple(zip(values[::2], values[1::2], strict=True))
    value = int(ps.get("ShutterPresentationValue") or 0)
    return Shutter(rectangle, circle, polygon, round(min(max(value, 0), 0xFFFF) * 255 / 0xFFFF))


def _values(value: object) -> list[object]:
    if value in (None, ""):
        return []
    return [value] if isinstance(value, (str, int, float)) else list(value)  # type: ignore[call-overload]


def _graphics(ps: Dataset, uid: str, number: int) -> list[Graphic]:
    found: list[Graphic] = []
    for annotation in ps.get("GraphicAnnotationSequence") or []:
        if not _item_applies(annotation, uid, number):
            continue
        for text in annotation.get("TextObjectSequence") or []:
            found.append(_label_of(text))
        for graphic in annotation.get("GraphicObjectSequence") or []:
            found.append(_graphic_of(graphic))
    return found


def _units(value: object) -> bool:
    units = str(value or "").strip().upper()
    if units not in ("PIXEL", "DISPLAY"):
        raise ValueError(f"annotation units {units!r}")
    return units == "DISPLAY"


def _point(value: object) -> Point:
    x, y = (_finite(v) for v in value)  # type: ignore[attr-defined]
    return x, y


def _label_of(item: Dataset) -> Label:
    text = str(item.get("UnformattedTextValue", "") or "")
    box = anchor = None
    box_display = anchor_display = False
    if item.get("BoundingBoxTopLeftHandCorner") is not None:
        box = (_point(item.BoundingBoxTopLeftHandCorner),
               _point(item.BoundingBoxBottomRightHandCorner))  # fmt: skip
        box_display = _units(item.BoundingBoxAnnotationUnits)
    if item.get("AnchorPoint") is not None:
        anchor = _point(item.AnchorPoint)
        anchor_display = _units(item.AnchorPointAnnotationUnits)
    if box is None and anchor is None:
        raise ValueError("a text object with neither bounding box nor anchor point")
    justification = str(item.get("BoundingBoxTextHorizontalJustification", "") or "LEFT")
    visible = str(item.get("AnchorPointVisibility", "N") or "N").strip().upper() == "Y"
    return Label(text, box, box_display, anchor, anchor_display,
                 justification.strip().upper(), visible and box is not None)  # fmt: skip


def _graphic_of(item: Dataset) -> Graphic:
    display = _units(item.GraphicAnnotationUnits)
    kind = str(item.GraphicType).strip().upper()
    values = [_finite(v) for v in _values(item.GraphicData)]
    if len(values) < 2 or len(values) % 2:
        raise ValueError("Graphic Data needs (column, row) pairs")
    points = list(zip(values[::2], values[1::2], strict=True))
    filled = str(item.get("GraphicFilled", "N") or "N").strip().upper() == "Y"
    if kind == "POINT":
        return Mark(points[0], display)
    if kind in ("POLYLINE", "INTERPOLATED"):
        closed = len(points) > 2 and points[0] == points[-1]
        return Polyline(tuple(points), display, closed, filled and closed)
    if kind == "CIRCLE" and len(points) >= 2:
        (cx, cy), (px, py) = points[:2]
        radius = math.hypot(px - cx, py - cy)
        return Polyline(_curve((cx, cy), (radius, 0.0), (0.0, radius)), display, True, filled)
    if kind == "ELLIPSE" and len(points) >= 4:
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = points[:4]
        centre = ((ax + bx) / 2, (ay + by) / 2)
        major, minor = ((bx - ax) / 2, (by - ay) / 2), ((dx - cx) / 2, (dy - cy) / 2)
        return Polyline(_curve(centre, major, minor), display, True, filled)
    raise ValueError(f"graphic type {kind!r} with {len(points)} point(s)")


def _curve(centre: Point, u: Point, v: Point) -> tuple[Point, ...]:
    angles = np.linspace(0, 2 * math.pi, _CURVE_POINTS, endpoint=False)
    return tuple(
        (centre[0] + u[0] * math.cos(t) + v[0] * math.sin(t),
         centre[1] + u[1] * math.cos(t) + v[1] * math.sin(t))
        for t in angles
    )  # fmt: skip


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


# --- graphics -----------------------------------------------------------------------------


def draw_graphics(
    canvas: NDArray[np.uint8],
    placed: Box,
    presentation: Presentation,
    geometry: Geometry,
    dpi: int,
    text_px: int,
) -> None:
    """Draw the presentation's graphics on the image at ``placed``, clipped to it.

    Lines are white, about a third of a millimetre wide, with a dark halo; text is
    ``text_px`` high (left off when under 8 pixels, as the corner text is).
    """
    if not presentation.graphics:
        return
    top, left, bottom, right = placed
    width = max(1, round(_LINE_MM / MM_PER_INCH * dpi))
    picture = Image.new("L", (right - left, bottom - top), 0)
    draw = ImageDraw.Draw(picture)
    labels: list[tuple[Label, Point, Point | None]] = []

    def local(point: Point, display: bool) -> Point:
        x, y = geometry.to_sheet(point, display, placed)
        return x - left, y - top

    for graphic in presentation.graphics:
        if isinstance(graphic, Mark):
            x, y = local(graphic.point, graphic.display)
            arm = 3 * width
            draw.line([(x - arm, y), (x + arm, y)], fill=255, width=width)
            draw.line([(x, y - arm), (x, y + arm)], fill=255, width=width)
        elif isinstance(graphic, Polyline):
            points = [local(p, graphic.display) for p in graphic.points]
            if graphic.filled and len(points) > 2:
                draw.polygon(points, fill=255)
                continue
            if graphic.closed and points[0] != points[-1]:
                points.append(points[0])
            draw.line(points, fill=255, width=width, joint="curve")
        else:
            anchor = local(graphic.anchor, graphic.anchor_display) if graphic.anchor else None
            if graphic.box is not None:
                a, b = (local(p, graphic.box_display) for p in graphic.box)
                corner = (min(a[0], b[0]), min(a[1], b[1]))
                far = (max(a[0], b[0]), max(a[1], b[1]))
                labels.append((graphic, corner, far))
                if graphic.anchor_line and anchor is not None:
                    near = (min(max(anchor[0], corner[0]), far[0]),
                            min(max(anchor[1], corner[1]), far[1]))  # fmt: skip
                    draw.line([near, anchor], fill=255, width=width)
            elif anchor is not None:
                labels.append((graphic, (anchor[0] + 2 * width, anchor[1] + 2 * width), None))
    drawn = picture.getbbox()  # the halo is grown on the marks' surroundings only
    if drawn is not None:
        x0, y0 = max(drawn[0] - width, 0), max(drawn[1] - width, 0)
        x1, y1 = min(drawn[2] + width, picture.width), min(drawn[3] + width, picture.height)
        ink = np.asarray(picture.crop((x0, y0, x1, y1)))
        stamp(canvas, placed, outlined(ink, width), top + y0, left + x0)
    if text_px < 8:
        return
    for label, start, end in labels:
        for i, line in enumerate(label.text.replace("\r\n", "\n").split("\n")):
            if not line.strip():
                continue
            mask = text_stamp(line, text_px)
            x = start[0]
            if end is not None and label.justification in ("RIGHT", "CENTER"):
                room = end[0] - start[0] - mask[0].shape[1]
                x += room if label.justification == "RIGHT" else room / 2
            y = start[1] + i * mask[0].shape[0]
            stamp(canvas, placed, mask, top + round(y), left + round(x))
