"""The marks a presentation state draws on its image, and where image coordinates land.

A GSPS's graphic annotations (PS3.3 C.10.5) are read into small frozen shapes: text objects
(:class:`Label`), polylines (POLYLINE and INTERPOLATED as they are, CIRCLE and ELLIPSE as
their outlines) and points (:class:`Mark`), each in PIXEL units (0\\0 the top left corner of
the top left pixel, Columns\\Rows the bottom right corner of the last one) or DISPLAY units
(fractions of the displayed area). :class:`Geometry` maps image coordinates through the
rotation, flip and displayed area onto the sheet, so the marks land where the pixels do. They
are drawn white with a dark halo, like the corner text (:mod:`.annotate`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset

from kiosk_app.services.film.annotate import outlined, stamp, text_stamp
from kiosk_app.services.film.layout import MM_PER_INCH, Box

Point = tuple[float, float]
"""(x, y): column then row, as Graphic Data is written."""

_CURVE_POINTS = 72  # a circle or ellipse as a polygon: smooth at film sizes
_LINE_MM = 0.35


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


def finite(value: object) -> float:
    """``value`` as a finite float; ValueError (or TypeError) for anything else."""
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def values_of(value: object) -> list[object]:
    """A DICOM value as a list of its values (empty when not given)."""
    if value in (None, ""):
        return []
    return [value] if isinstance(value, (str, int, float)) else list(value)  # type: ignore[call-overload]


# --- reading ------------------------------------------------------------------------------


def _units(value: object) -> bool:
    units = str(value or "").strip().upper()
    if units not in ("PIXEL", "DISPLAY"):
        raise ValueError(f"annotation units {units!r}")
    return units == "DISPLAY"


def _point(value: object) -> Point:
    x, y = (finite(v) for v in value)  # type: ignore[attr-defined]
    return x, y


def text_object(item: Dataset) -> Label:
    """A Text Object Sequence item.

    Raises:
        ValueError (and the like): units, points or values the standard does not allow.
    """
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


def graphic_object(item: Dataset) -> Graphic:
    """A Graphic Object Sequence item.

    Raises:
        ValueError (and the like): a type, units or points the standard does not allow.
    """
    display = _units(item.GraphicAnnotationUnits)
    kind = str(item.GraphicType).strip().upper()
    values = [finite(v) for v in values_of(item.GraphicData)]
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


# --- drawing ------------------------------------------------------------------------------


def draw_graphics(
    canvas: NDArray[np.uint8],
    placed: Box,
    graphics: Sequence[Graphic],
    geometry: Geometry,
    dpi: int,
    text_px: int,
) -> None:
    """Draw ``graphics`` on the image at ``placed``, clipped to it.

    Lines are white, about a third of a millimetre wide, with a dark halo; text is
    ``text_px`` high (left off when under 8 pixels, as the corner text is).
    """
    if not graphics:
        return
    top, left, bottom, right = placed
    width = max(1, round(_LINE_MM / MM_PER_INCH * dpi))
    picture = Image.new("L", (right - left, bottom - top), 0)
    draw = ImageDraw.Draw(picture)
    labels: list[tuple[Label, Point, Point | None]] = []

    def local(point: Point, display: bool) -> Point:
        x, y = geometry.to_sheet(point, display, placed)
        return x - left, y - top

    for graphic in graphics:
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
