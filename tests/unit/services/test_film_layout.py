"""Layout as a radiographer checks it: every image whole, in its own cell, in proportion, and
nothing (image or text) outside the printable area, for any film, format, dpi and image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import SecondaryCaptureImageStorage

from kiosk_app.services.film import (
    FILM_SIZES,
    AnnotationOptions,
    DisplayFormat,
    FilmError,
    cell_boxes,
    compose_sheets,
    parse_display_format,
)


def flat(value: int, shape: tuple[int, int], **attrs: object) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.set_pixel_data(np.full(shape, value, dtype=np.uint8), "MONOCHROME2", 8)
    ds.WindowCenter, ds.WindowWidth = 128, 256
    for keyword, v in attrs.items():
        setattr(ds, keyword, v)
    return ds


def bounding_box(mask: NDArray[np.bool_]) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


formats = st.one_of(
    st.builds(DisplayFormat.standard, st.integers(1, 4), st.integers(1, 5)),
    st.builds(lambda c: DisplayFormat("ROW", tuple(c)), st.lists(st.integers(1, 4), min_size=1,
                                                                  max_size=4)),
    st.builds(lambda c: DisplayFormat("COL", tuple(c)), st.lists(st.integers(1, 4), min_size=1,
                                                                  max_size=4)),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    film=st.sampled_from(sorted(FILM_SIZES)),
    fmt=formats,
    dpi=st.integers(20, 90),
    landscape=st.booleans(),
    shapes=st.lists(st.tuples(st.integers(1, 300), st.integers(1, 300)), min_size=1, max_size=8),
    aspects=st.lists(st.sampled_from([(1, 1), (1, 2), (2, 1), (4, 3)]), min_size=1, max_size=8),
)
def test_every_image_is_whole_in_its_cell_in_proportion(
    film: str,
    fmt: DisplayFormat,
    dpi: int,
    landscape: bool,
    shapes: list[tuple[int, int]],
    aspects: list[tuple[int, int]],
) -> None:
    margin_mm, gutter_mm = 5.0, 2.0
    boxes = cell_boxes(film, dpi, fmt, margin_mm, gutter_mm, landscape)
    count = min(len(shapes), len(boxes))
    datasets = [
        flat(10 + 20 * i, shapes[i], PixelAspectRatio=list(aspects[i % len(aspects)]))
        for i in range(count)
    ]
    (sheet,) = compose_sheets(datasets, film, dpi, fmt, margin_mm, gutter_mm, landscape=landscape)

    width_in, height_in = FILM_SIZES[film]
    if landscape:
        width_in, height_in = height_in, width_in
    assert sheet.pixels.shape == (round(height_in * dpi), round(width_in * dpi))
    assert sheet.portrait is not landscape
    margin = margin_mm / 25.4 * dpi
    drawn = 0
    for i, ds in enumerate(datasets):
        mask = sheet.pixels == 10 + 20 * i
        top, left, bottom, right = bounding_box(mask)
        assert mask[top:bottom, left:right].all(), "one solid rectangle: never cut or smeared"
        cell_top, cell_left, cell_bottom, cell_right = boxes[i]
        assert cell_top <= top and bottom <= cell_bottom and cell_left <= left
        assert right <= cell_right, "inside its own cell"
        rows, columns = ds.Rows, ds.Columns
        aspect = aspects[i % len(aspects)][0] / aspects[i % len(aspects)][1]
        # Physical proportions kept: scaled to fit, each side within one pixel of exact.
        scale = min((cell_right - cell_left) / columns, (cell_bottom - cell_top) / (rows * aspect))
        assert abs((right - left) - columns * scale) <= 1
        assert abs((bottom - top) - rows * aspect * scale) <= 1
        drawn += (bottom - top) * (right - left)
    assert (sheet.pixels > 0).sum() == drawn, "nothing else on the sheet"
    assert margin - 1 <= min(b[0] for b in boxes) and margin - 1 <= min(b[1] for b in boxes)


@settings(max_examples=15, deadline=None)
@given(
    film=st.sampled_from(["8INX10IN", "14INX17IN", "A4", "24CMX24CM"]),
    fmt=formats,
    dpi=st.integers(100, 160),
    landscape=st.booleans(),
)
def test_annotations_stay_inside_the_cells(
    film: str, fmt: DisplayFormat, dpi: int, landscape: bool
) -> None:
    boxes = cell_boxes(film, dpi, fmt, 5.0, 2.0, landscape)
    attrs = {
        "PatientName": "张^小三", "PatientID": "P12345678", "PatientSex": "F",
        "PatientAge": "045Y", "StudyDate": "20240520", "StudyTime": "093000",
        "Modality": "CT", "SeriesNumber": 3, "InstanceNumber": 7,
        "PixelSpacing": [0.7, 0.7], "ImageOrientationPatient": [1, 0, 0, 0, 1, 0],
    }  # fmt: skip
    datasets = [flat(100, (64, 48), **attrs) for _ in boxes]
    options = AnnotationOptions(hospital_name="示例人民医院", text_mm=2.0)
    (sheet,) = compose_sheets(datasets, film, dpi, fmt, landscape=landscape, annotations=options)
    inside = np.zeros(sheet.pixels.shape, dtype=bool)
    for top, left, bottom, right in boxes:
        inside[top:bottom, left:right] = True
    assert not sheet.pixels[~inside].any(), "margins and gutters stay black"
    assert (sheet.pixels == 255).any(), "some text was drawn"


def test_row_and_col_formats_fill_in_dicom_order() -> None:
    rows = cell_boxes("14INX17IN", 20, DisplayFormat("ROW", (1, 3)))
    assert len(rows) == 4
    assert (
        rows[0][1] == rows[1][1] < rows[2][1]
        and rows[1][0] == rows[2][0] == rows[3][0] > rows[0][0]
    )
    assert rows[0][3] - rows[0][1] > 2 * (rows[1][3] - rows[1][1]), "row 1 holds one wide cell"
    cols = cell_boxes("14INX17IN", 20, DisplayFormat("COL", (2, 1)))
    assert len(cols) == 3
    assert cols[0][1] == cols[1][1] < cols[2][1], "column by column"
    assert cols[0][0] < cols[1][0]


@pytest.mark.parametrize(
    ("text", "kind", "counts"),
    [
        ("4x5", "STANDARD", (4, 5)),
        ("STANDARD\\2,3", "STANDARD", (2, 3)),
        ("row\\1,2,3", "ROW", (1, 2, 3)),
        ("COL\\2", "COL", (2,)),
    ],
)
def test_parse_display_format(text: str, kind: str, counts: tuple[int, ...]) -> None:
    fmt = parse_display_format(text)
    assert (fmt.kind, fmt.counts) == (kind, counts)
    assert parse_display_format(str(fmt)) == fmt


@pytest.mark.parametrize("text", ["", "STANDARD\\2", "ROW\\", "COL\\0,1", "SLIDE\\2,2", "4x"])
def test_parse_display_format_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="layout"):
        parse_display_format(text)


def test_landscape_sheet_is_the_film_turned() -> None:
    (sheet,) = compose_sheets([flat(50, (10, 20))], "8INX10IN", 20, landscape=True)
    assert sheet.pixels.shape == (160, 200) and not sheet.portrait


def test_a_format_that_does_not_fit_is_refused() -> None:
    with pytest.raises(FilmError, match="does not fit"):
        compose_sheets([flat(1, (4, 4))], "8INX10IN", 10, DisplayFormat.standard(200, 200))


def test_enlarging_uses_a_smooth_filter_and_shrinking_averages() -> None:
    ramp = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (16, 1))  # 16 columns of steps
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.set_pixel_data(ramp, "MONOCHROME2", 8)
    ds.WindowCenter, ds.WindowWidth = 128, 256
    (sheet,) = compose_sheets([ds], "8INX10IN", 100, (1, 1))
    row = sheet.pixels[500].astype(int)
    inner = row[row > 0]
    steps = np.diff(inner)
    assert len(np.unique(inner)) > 100, "bicubic enlargement gives a smooth ramp, not 16 blocks"
    assert steps.max() <= 4 and math.isclose(inner.mean(), 120, abs_tol=8)


@pytest.mark.parametrize(
    ("size", "target"), [((1500, 1200), (2200, 1800)), ((2500, 2000), (1999, 1600))]
)
def test_a_large_image_resampled_agrees_with_pillow_whatever_the_threads(
    size: tuple[int, int], target: tuple[int, int]
) -> None:
    import cv2
    from PIL import Image

    from kiosk_app.services.film import layout

    y, x = np.mgrid[0 : size[0], 0 : size[1]]
    image = (127 + 120 * np.sin(x / 37.0) * np.cos(y / 53.0)).astype(np.uint8)  # anatomy-smooth
    rows, columns = target
    method = Image.Resampling.BICUBIC if rows > size[0] else Image.Resampling.BOX
    reference = np.asarray(Image.fromarray(image).resize((columns, rows), method)).astype(int)
    threads = cv2.getNumThreads()
    try:
        resampled = layout.resample(image, rows, columns)
        cv2.setNumThreads(1)
        alone = layout.resample(image, rows, columns)
    finally:
        cv2.setNumThreads(threads)
    assert resampled.shape == (rows, columns)
    # Another implementation of the same filters (OpenCV's cubic is Keys' a = -0.75,
    # Pillow's -0.5): a rounding or two apart on a smooth image, never a seam or a shift.
    difference = np.abs(resampled.astype(int) - reference)
    assert difference.max() <= 3 and difference.mean() < 0.5
    # The same pixels whatever the number of cores.
    assert np.array_equal(alone, resampled)
