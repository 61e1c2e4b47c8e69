"""Composing film sheets: frames through the pipeline, fitted into cells, annotated.

The images of one sheet are rendered side by side (:mod:`.workers`): decoding, the lookup
table and OpenCV's resampling all release the GIL, and cells never overlap, so each worker
writes its own cell of the sheet directly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset

from drivers.base import FilmSheet
from kiosk_app.services.film import decoding
from kiosk_app.services.film.annotate import AnnotationOptions, annotate_cell, text_size
from kiosk_app.services.film.errors import FilmError, brief
from kiosk_app.services.film.graphics import Geometry, draw_graphics
from kiosk_app.services.film.layout import (
    AUTO_LAYOUTS,
    Box,
    DisplayFormat,
    as_format,
    cell_boxes,
    fit,
    resample,
    sheet_shape,
)
from kiosk_app.services.film.pipeline import (
    ATTRIBUTE_ERRORS,
    Window,
    aspect_of,
    frame_count,
    frame_view,
    render_frame,
)
from kiosk_app.services.film.presentation import Presentation, render_presented
from kiosk_app.services.film.workers import map_cells

logger = logging.getLogger(__name__)

Frame = tuple[Dataset, int]
"""One image on film: a dataset and a frame index (0 for single-frame objects)."""


def frames_of(datasets: Sequence[Dataset]) -> list[Frame]:
    """Every frame of every dataset, in order."""
    return [(ds, frame) for ds in datasets for frame in range(frame_count(ds))]


def auto_layout(count: int) -> DisplayFormat:
    """The smallest of AUTO_LAYOUTS holding ``count`` images, else the largest."""
    grid = next((g for g in AUTO_LAYOUTS if g[0] * g[1] >= count), AUTO_LAYOUTS[-1])
    return DisplayFormat.standard(*grid)


def compose_sheets(
    datasets: Sequence[Dataset],
    film_size_id: str = "14INX17IN",
    dpi: int = 300,
    layout: tuple[int, int] | DisplayFormat | None = None,
    margin_mm: float = 5.0,
    gutter_mm: float = 2.0,
    window: Window | None = None,
    *,
    landscape: bool = False,
    annotations: AnnotationOptions | None = None,
    frames: Sequence[Frame] | None = None,
    presentations: Mapping[tuple[str, int], Presentation] | None = None,
) -> list[FilmSheet]:
    """Lay images out on as many film sheets as they need.

    Every frame of every dataset (or exactly ``frames``) is one image, placed in the cells
    of ``layout`` in filling order, scaled to fit its cell at its physical aspect ratio and
    centred on a black sheet.

    Args:
        datasets: image datasets, in print order (ignored when ``frames`` is given).
        film_size_id: a key of FILM_SIZES.
        dpi: the film printer's resolution; the sheet is the film's size at this dpi.
        layout: (columns, rows) or a DisplayFormat; None picks the smallest of AUTO_LAYOUTS
            that holds every image, or the largest one on several sheets.
        margin_mm: black border around the cells (the printer's unprintable edge and more).
        gutter_mm: black space between cells.
        window: (center, width) for every greyscale image instead of its own VOI (its VOI
            LUT Function kept), or (center, width, function): see ``pipeline.Window``.
        landscape: the film turned sideways (long edge horizontal).
        annotations: what to print with each image; None prints the images alone.
        frames: the (dataset, frame) pairs to print, when not every frame is wanted.
        presentations: {(SOP Instance UID, frame): Presentation} of the frames a presentation
            state applies to (:func:`.presentation.presentations`); a given ``window`` still
            replaces their VOI.

    Raises:
        FilmError: no images, an unknown film size, a bad layout, or an unusable image.
            Nothing is returned then: never a blank or partial sheet.
    """
    images = list(frames) if frames is not None else frames_of(datasets)
    if not images:
        raise FilmError(detail="no images were given")
    fmt = auto_layout(len(images)) if layout is None else as_format(layout)
    boxes = cell_boxes(film_size_id, dpi, fmt, margin_mm, gutter_mm, landscape)
    shape = sheet_shape(film_size_id, dpi, landscape)
    sheets: list[FilmSheet] = []
    # Compressed frames decode in the decoder processes, a sheet ahead: this sheet's first
    # (in cell order), then the next one's while this one is composed.
    pending: list[Future[Any] | None] = []

    def look_ahead(until: int) -> None:
        pending.extend(decoding.submit(*image) for image in images[len(pending) : until])

    try:
        for start in range(0, len(images), len(boxes)):
            look_ahead(start + 2 * len(boxes))
            canvas = np.zeros(shape, dtype=np.uint8)
            jobs = list(
                zip(images[start : start + len(boxes)], boxes, pending[start:], strict=False)
            )

            def draw(
                job: tuple[Frame, Box, Future[Any] | None],
                canvas: NDArray[np.uint8] = canvas,
            ) -> None:
                (ds, frame), box, decoded = job
                presentation = None
                if presentations:
                    uid = str(ds.get("SOPInstanceUID", ""))
                    presentation = presentations.get((uid, frame))
                _draw_cell(canvas, ds, frame, box, window, dpi, annotations, presentation, decoded)

            map_cells(draw, jobs)
            sheets.append(
                FilmSheet(pixels=canvas, film_size_id=film_size_id, dpi=dpi, portrait=not landscape)
            )
    finally:
        for future in pending:  # after a failure: nothing more is decoded for nothing
            if future is not None:
                future.cancel()
    logger.debug("composed %d image(s) on %d %s sheet(s) as %s at %d dpi",
                 len(images), len(sheets), film_size_id, fmt, dpi)  # fmt: skip
    return sheets


def _draw_cell(
    canvas: NDArray[np.uint8],
    ds: Dataset,
    frame: int,
    box: Box,
    window: Window | None,
    dpi: int,
    annotations: AnnotationOptions | None,
    presentation: Presentation | None = None,
    decoded: Future[Any] | None = None,
) -> None:
    try:
        view = frame_view(ds, frame)
    except ATTRIBUTE_ERRORS as exc:
        raise FilmError(detail=f"the image's attributes are unusable: {brief(exc)}") from exc
    aspect = aspect_of(view)  # before render_frame, which may drop unusable LUTs from the view
    geometry = None
    if presentation is not None:
        try:
            rendered, image, geometry = render_presented(
                ds, frame, presentation, window, view, decoded
            )
            aspect = presentation.display_aspect(aspect)
        except (FilmError, *ATTRIBUTE_ERRORS) as exc:
            # A presentation state must never stop a film: the image prints as without it.
            logger.warning("a presentation state (%r) could not be applied and is left out: %s",
                           presentation.label[:64], brief(exc))  # fmt: skip
            presentation = geometry = None
    if geometry is None:
        rendered = render_frame(ds, frame, window, view, decoded)
        image = rendered.pixels
    placed = fit(image.shape, aspect, box)
    top, left, bottom, right = placed
    canvas[top:bottom, left:right] = resample(image, bottom - top, right - left)
    if annotations is not None:
        turn = (presentation.rotation, presentation.flip) if presentation else (0, False)
        measured = presentation.measured(view) if presentation else view
        annotate_cell(canvas, box, placed, ds, frame, rendered, measured, image.shape, dpi,
                      annotations, turn)  # fmt: skip
    if presentation is not None and geometry is not None:
        _draw_graphics(canvas, box, placed, presentation, geometry, dpi, annotations)


def _draw_graphics(
    canvas: NDArray[np.uint8],
    box: Box,
    placed: Box,
    presentation: Presentation,
    geometry: Geometry,
    dpi: int,
    annotations: AnnotationOptions | None,
) -> None:
    text_mm = annotations.text_mm if annotations is not None else AnnotationOptions().text_mm
    try:
        draw_graphics(canvas, placed, presentation.graphics, geometry, dpi,
                      text_size(box, dpi, text_mm))  # fmt: skip
    except (FilmError, *ATTRIBUTE_ERRORS) as exc:
        logger.warning("a presentation state's graphics (%r) could not be drawn: %s",
                       presentation.label[:64], brief(exc))  # fmt: skip
