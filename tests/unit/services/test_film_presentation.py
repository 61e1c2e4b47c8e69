"""Presentation states on film: the radiologist's window, turn, crop and marks, as printed.

Synthetic images and Grayscale Softcopy Presentation States built here; every check is on the
pixels of the composed sheet (8x10 inch at 40 dpi: one 304-pixel cell for one image).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, SecondaryCaptureImageStorage, generate_uid

from kiosk_app.services.film import (
    FilmConfig,
    cell_boxes,
    compose_exam,
    compose_sheets,
    plan_exam,
)
from kiosk_app.services.film.annotate import AnnotationOptions, turn_labels
from kiosk_app.services.film.layout import fit, resample
from kiosk_app.services.film.plan import KEY_OBJECT_SELECTION, PlanSource
from tests.helpers.presentation_builders import make_presentation_state, reference, window

CONFIG = FilmConfig(size="8INX10IN", dpi=40, annotations=None)
BACKGROUND = 60  # grey, so the image's place on the black sheet shows


def picture(pixels: NDArray[np.generic], **attrs: object) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = "1.2.3"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "OT", 1, 1
    ds.set_pixel_data(pixels, "MONOCHROME2", pixels.dtype.itemsize * 8)
    ds.WindowCenter, ds.WindowWidth = 127.5, 256  # 8-bit values print as they are
    for keyword, value in attrs.items():
        setattr(ds, keyword, value)
    return ds


def marked(rows: int = 64, columns: int = 64) -> Dataset:
    """Grey with a white 8x8 square in the top left corner."""
    pixels = np.full((rows, columns), BACKGROUND, dtype=np.uint8)
    pixels[:8, :8] = 255
    return picture(pixels)


def ramp() -> Dataset:
    """Values 0, 20, ... 1260 from left to right (16-bit, no window of its own)."""
    pixels = np.tile((np.arange(64) * 20).astype(np.uint16), (64, 1))
    ds = picture(pixels)
    del ds.WindowCenter, ds.WindowWidth
    return ds


def gsps(*images: Dataset, created: str = "120000", **attrs: object) -> Dataset:
    return make_presentation_state(*images, created=created, **attrs)


def graphic(kind: str, points: list[float], units: str = "PIXEL") -> Dataset:
    item = Dataset()
    item.GraphicAnnotationUnits, item.GraphicDimensions = units, 2
    item.NumberOfGraphicPoints = len(points) // 2
    item.GraphicData, item.GraphicType, item.GraphicFilled = points, kind, "N"
    return item


def annotation(*graphics: Dataset, texts: list[Dataset] | None = None) -> list[Dataset]:
    item = Dataset()
    item.GraphicLayer = "LAYER"
    if graphics:
        item.GraphicObjectSequence = list(graphics)
    if texts:
        item.TextObjectSequence = texts
    return [item]


def sheet(*datasets: Dataset, config: FilmConfig = CONFIG) -> NDArray[np.uint8]:
    sheets = compose_exam(list(datasets), config)
    assert len(sheets) == 1
    return sheets[0].pixels


def box_of(mask: NDArray[np.bool_]) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the True pixels, bottom and right exclusive."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1


def place_of(image: Dataset) -> tuple[int, int, int, int]:
    """Where an image of this shape goes on the sheet (a grey one shows it)."""
    grey = picture(np.full(image.pixel_array.shape, 200, dtype=np.uint8))
    return box_of(sheet(grey) > 0)


def corner_of(pixels: NDArray[np.uint8]) -> str:
    """Which corner of the image's place on the sheet the white marker is in."""
    top, left, bottom, right = box_of(pixels > 0)
    y0, x0, y1, x1 = box_of(pixels > (BACKGROUND + 255) // 2)
    vertical = "top" if (y0 + y1) / 2 < (top + bottom) / 2 else "bottom"
    horizontal = "left" if (x0 + x1) / 2 < (left + right) / 2 else "right"
    return f"{vertical} {horizontal}"


# --- grey levels --------------------------------------------------------------------------


def test_the_presentation_states_window_sets_the_grey_levels() -> None:
    image = ramp()
    plain = sheet(image)
    shown = sheet(image, gsps(image, SoftcopyVOILUTSequence=window(640, 320)))
    top, left, bottom, right = box_of(plain > 0)
    row = shown[(top + bottom) // 2, left:right]
    # 0..1260 across the image; the window 480..800 is columns 24..40 of 64.
    width = right - left
    assert (row[: width * 23 // 64] == 0).all() and (row[width * 41 // 64 :] == 255).all()
    middle = row[width * 30 // 64 : width * 34 // 64]
    assert 90 < middle.mean() < 165
    expected = compose_sheets([image], "8INX10IN", 40, window=(640, 320))[0].pixels
    assert np.array_equal(shown, expected)


def test_its_rescale_window_function_and_inverse_shape_are_applied_in_order() -> None:
    image = ramp()
    sigmoid = window(1180, 640, "SIGMOID")
    ps = gsps(image, RescaleSlope=2, RescaleIntercept=-100, RescaleType="HU",
              SoftcopyVOILUTSequence=sigmoid, PresentationLUTShape="INVERSE")  # fmt: skip
    shown = sheet(image, ps)
    top, left, bottom, right = place_of(image)
    row = shown[(top + bottom) // 2, left:right].astype(float)
    # Column c holds 20c, i.e. 40c - 100 after rescale; SIGMOID about 1180, then inverted.
    columns = np.arange(64)
    native = 255 - 255 / (1 + np.exp(-4 * (40 * columns - 100 - 1180) / 640))
    native_rows = np.tile(np.rint(native).astype(np.uint8), (64, 1))
    expected = resample(native_rows, bottom - top, right - left)[0]
    assert np.abs(row - expected).max() <= 1


def test_monochrome1_with_an_identity_shape_is_not_inverted_twice() -> None:
    image = marked()
    image.PhotometricInterpretation = "MONOCHROME1"
    inverted = sheet(image)
    top, left, bottom, right = box_of(inverted > 0)
    middle = inverted[(top + bottom) // 2, (left + right) // 2]
    assert inverted[top + 2, left + 2] == 0 and abs(int(middle) - (255 - BACKGROUND)) <= 1
    shown = sheet(image, gsps(image, PresentationLUTShape="IDENTITY"))
    assert corner_of(shown) == "top left"


# --- geometry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rotation", "flip", "corner"),
    [
        (0, "N", "top left"), (90, "N", "top right"), (180, "N", "bottom right"),
        (270, "N", "bottom left"), (0, "Y", "top right"), (90, "Y", "top left"),
        (180, "Y", "bottom left"), (270, "Y", "bottom right"),
    ],
)  # fmt: skip
def test_rotation_then_flip_move_the_marker_to_the_expected_corner(
    rotation: int, flip: str, corner: str
) -> None:
    image = marked(64, 32)  # tall: a quarter turn makes it wide
    shown = sheet(image, gsps(image, ImageRotation=rotation, ImageHorizontalFlip=flip))
    assert corner_of(shown) == corner
    top, left, bottom, right = box_of(shown > 0)
    if rotation in (90, 270):
        assert right - left == pytest.approx(2 * (bottom - top), abs=2)
    else:
        assert bottom - top == pytest.approx(2 * (right - left), abs=2)


def test_the_displayed_area_is_cropped_and_fills_the_cell() -> None:
    image = marked()
    shown = sheet(image, gsps(image, DisplayedAreaSelectionSequence=[area((1, 1), (32, 32))]))
    top, left, bottom, right = box_of(shown > 0)
    y0, x0, y1, x1 = box_of(shown > (BACKGROUND + 255) // 2)
    # 8 of the 32 pixels shown: the marker is a quarter of the image's place each way.
    assert (y0, x0) == (top, left)
    assert (y1 - y0) / (bottom - top) == pytest.approx(0.25, abs=0.02)
    assert (x1 - x0) / (right - left) == pytest.approx(0.25, abs=0.02)
    assert bottom - top == pytest.approx(304, abs=2)


def test_a_displayed_area_after_a_half_turn_is_given_by_its_corners_as_shown() -> None:
    image = marked()
    # Half turned, the original's top left quarter is shown from its last pixel to its first.
    ps = gsps(image, ImageRotation=180,
              DisplayedAreaSelectionSequence=[area((16, 16), (1, 1))])  # fmt: skip
    shown = sheet(image, ps)
    _, left, bottom, right = box_of(shown > 0)
    _, x0, y1, x1 = box_of(shown > (BACKGROUND + 255) // 2)
    assert corner_of(shown) == "bottom right"
    assert (y1, x1) == (bottom, right)
    assert (x1 - x0) / (right - left) == pytest.approx(0.5, abs=0.02)


def test_a_rectangular_shutter_blacks_out_what_lies_outside_it() -> None:
    image = picture(np.full((64, 64), 200, dtype=np.uint8))
    ps = gsps(image, ShutterShape="RECTANGULAR", ShutterLeftVerticalEdge=17,
              ShutterRightVerticalEdge=48, ShutterUpperHorizontalEdge=1,
              ShutterLowerHorizontalEdge=64, ShutterPresentationValue=0)  # fmt: skip
    plain, shown = sheet(image), sheet(image, ps)
    top, left, bottom, right = box_of(plain > 0)
    visible = box_of(shown > 0)
    assert visible[0] == top and visible[2] == bottom
    assert (visible[1] - left) / (right - left) == pytest.approx(0.25, abs=0.02)
    assert (visible[3] - left) / (right - left) == pytest.approx(0.75, abs=0.02)


def test_circular_and_polygonal_shutters_keep_only_what_lies_inside_both() -> None:
    image = picture(np.full((64, 64), 200, dtype=np.uint8))
    # A circle about the centre, and the triangle of the image's upper left half.
    ps = gsps(image, ShutterShape=["CIRCULAR", "POLYGONAL"], CenterOfCircularShutter=[32, 32],
              RadiusOfCircularShutter=20, VerticesOfThePolygonalShutter=[1, 1, 1, 64, 64, 1],
              ShutterPresentationValue=0xFFFF)  # fmt: skip
    shown = sheet(image, ps)
    top, left, _, right = place_of(image)
    scale = (right - left) / 64

    def at(row: float, column: float) -> int:
        return int(shown[round(top + (row - 0.5) * scale), round(left + (column - 0.5) * scale)])

    assert at(24, 24) == 200  # inside both
    assert at(40, 40) == 255  # inside the circle, below the triangle's diagonal
    assert at(4, 4) == 255  # inside the triangle, outside the circle
    assert at(32, 6) == 255 and at(32, 20) == 200


def area(top_left: tuple[int, int], bottom_right: tuple[int, int]) -> Dataset:
    item = Dataset()
    item.DisplayedAreaTopLeftHandCorner = list(top_left)
    item.DisplayedAreaBottomRightHandCorner = list(bottom_right)
    item.PresentationSizeMode = "SCALE TO FIT"
    item.PresentationPixelAspectRatio = [1, 1]
    return item


# --- graphics -----------------------------------------------------------------------------


def test_a_polyline_box_turns_with_the_image() -> None:
    image = picture(np.full((64, 64), BACKGROUND, dtype=np.uint8))
    box = graphic("POLYLINE", [8, 8, 24, 8, 24, 24, 8, 24, 8, 8])
    shown = sheet(image, gsps(image, ImageRotation=90, GraphicAnnotationSequence=annotation(box)))
    top, left, bottom, right = box_of(shown > 0)
    scale = (right - left) / 64
    y0, x0, y1, x1 = box_of(shown == 255)
    # Columns 8..24, rows 8..24, turned clockwise: columns 40..56, rows 8..24.
    assert (x0 - left) / scale == pytest.approx(40, abs=1)
    assert (x1 - left) / scale == pytest.approx(56, abs=1)
    assert (y0 - top) / scale == pytest.approx(8, abs=1)
    assert (y1 - top) / scale == pytest.approx(24, abs=1)
    inside = shown[round(top + 16 * scale), round(left + 48 * scale)]
    assert inside == BACKGROUND  # a box, not a filled square
    halo = shown[top:bottom, left:right] == 0
    assert halo.any()  # the dark outline that keeps a white line legible on white bone


def test_circle_ellipse_point_and_display_units_are_drawn_where_they_say() -> None:
    image = picture(np.full((64, 64), BACKGROUND, dtype=np.uint8))
    marks = annotation(
        graphic("CIRCLE", [16, 16, 16, 8]),  # centre (16, 16), radius 8
        graphic("ELLIPSE", [40, 48, 56, 48, 48, 44, 48, 52]),
        graphic("POINT", [48, 16]),
        graphic("POLYLINE", [0.25, 0.9, 0.75, 0.9], "DISPLAY"),
    )
    shown = sheet(image, gsps(image, GraphicAnnotationSequence=marks))
    top, left, _, right = box_of(shown > 0)
    scale = (right - left) / 64
    white = shown == 255

    def region(x0: float, y0: float, x1: float, y1: float) -> NDArray[np.bool_]:
        return white[round(top + y0 * scale) : round(top + y1 * scale),
                     round(left + x0 * scale) : round(left + x1 * scale)]  # fmt: skip

    assert box_of(region(0, 0, 32, 32)) == pytest.approx(
        (round(8 * scale), round(8 * scale), round(24 * scale), round(24 * scale)), abs=3
    )
    assert not region(13, 13, 19, 19).any()  # an outline
    ellipse = box_of(region(32, 32, 64, 64))
    assert (ellipse[3] - ellipse[1]) / (ellipse[2] - ellipse[0]) == pytest.approx(2, abs=0.3)
    assert region(46, 14, 50, 18).any()  # the point's cross
    line = box_of(region(0, 56, 64, 60))
    assert (line[1] / scale, line[3] / scale) == pytest.approx((16, 48), abs=1)


def test_text_is_printed_in_its_bounding_box() -> None:
    image = picture(np.full((64, 64), BACKGROUND, dtype=np.uint8))
    text = Dataset()
    text.UnformattedTextValue = "L1 fracture"
    text.BoundingBoxAnnotationUnits = "PIXEL"
    text.BoundingBoxTopLeftHandCorner = [4, 40]
    text.BoundingBoxBottomRightHandCorner = [60, 60]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    ps = gsps(image, GraphicAnnotationSequence=annotation(texts=[text]))
    config = FilmConfig(size="8INX10IN", dpi=100, annotations=None)
    shown = sheet(image, ps, config=config)
    top, left, _, right = box_of(shown > 0)
    scale = (right - left) / 64
    y0, x0, y1, x1 = box_of(shown == 255)
    assert (y0 - top) / scale >= 40 - 0.5 and (x0 - left) / scale >= 4 - 0.5
    assert (y0 - top) / scale < 44 and (x0 - left) / scale < 6
    assert x1 - x0 > 3 * (y1 - y0)  # a line of text, wider than high


# --- choosing and refusing ----------------------------------------------------------------


def test_a_presentation_state_for_another_image_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    image, other = marked(), marked()
    plain = sheet(image)
    with caplog.at_level(logging.INFO, logger="kiosk_app.services.film.presentation"):
        shown = sheet(image, gsps(other, ImageRotation=180))
    assert np.array_equal(shown, plain)
    assert any("references no image" in r.getMessage() for r in caplog.records)


def test_the_latest_of_several_presentation_states_is_used() -> None:
    image = marked()
    older = gsps(image, created="090000", ImageRotation=90)
    newer = gsps(image, created="170000", ImageRotation=180)
    assert corner_of(sheet(image, newer, older)) == "bottom right"
    assert corner_of(sheet(image, older, newer)) == "bottom right"


@pytest.mark.parametrize(
    "attrs",
    [
        {"ImageRotation": 45},
        {"SoftcopyVOILUTSequence": window(100, -5)},
        {"ImageHorizontalFlip": "MAYBE"},
        {"GraphicAnnotationSequence": annotation(graphic("POLYLINE", [1, 2, 3]))},
        {"DisplayedAreaSelectionSequence": [Dataset()]},
    ],
)
def test_a_malformed_presentation_state_is_left_out_with_a_warning(
    attrs: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    image = marked()
    plain = sheet(image)
    with caplog.at_level(logging.WARNING):
        shown = sheet(image, gsps(image, **attrs))
    assert np.array_equal(shown, plain)
    assert any("presentation state" in r.getMessage() for r in caplog.records)


def test_key_images_print_in_the_documents_order_with_their_presentation_state() -> None:
    images = [marked() for _ in range(4)]
    for number, ds in enumerate(images, 1):
        ds.SOPClassUID, ds.Modality, ds.InstanceNumber = CTImageStorage, "CT", number
    ps = gsps(images[3], ImageRotation=90)
    kos = Dataset()
    kos.SOPClassUID = KEY_OBJECT_SELECTION
    items = []
    for ds in (images[3], images[1]):
        item = Dataset()
        item.ValueType, item.ReferencedSOPSequence = "IMAGE", [reference(ds)]
        items.append(item)
    composite = Dataset()
    composite.ValueType, composite.ReferencedSOPSequence = "COMPOSITE", [reference(ps)]
    kos.ContentSequence = [*items, composite]
    plan = plan_exam([*images, kos, ps])
    assert plan.source is PlanSource.KEY_IMAGES
    assert [ds.InstanceNumber for ds, _ in plan.frames] == [4, 2]
    assert set(plan.presentations) == {(images[3].SOPInstanceUID, 0)}
    shown = sheet(*images, kos, ps)
    half = shown.shape[0] // 2  # two images: one above the other
    assert corner_of(shown[:half]) == "top right"  # the first key image, turned
    assert corner_of(shown[half:]) == "top left"


def test_a_state_the_document_names_for_its_image_wins_over_a_later_one() -> None:
    image = marked()
    image.SOPClassUID, image.Modality = CTImageStorage, "CT"
    named = gsps(image, created="090000", ImageRotation=90)
    later = gsps(image, created="170000", ImageRotation=180)
    ref = reference(image)
    ref.ReferencedSOPSequence = [reference(named)]
    item = Dataset()
    item.ValueType, item.ReferencedSOPSequence = "IMAGE", [ref]
    kos = Dataset()
    kos.SOPClassUID, kos.ContentSequence = KEY_OBJECT_SELECTION, [item]
    assert corner_of(sheet(image, later, named, kos)) == "top right"


def test_orientation_labels_turn_and_flip_with_the_image() -> None:
    labels = ("R", "L", "A", "P")  # left, right, top, bottom
    assert turn_labels(labels, 90, False) == ("P", "A", "R", "L")
    assert turn_labels(labels, 0, True) == ("L", "R", "A", "P")
    assert turn_labels(labels, 180, True) == ("R", "L", "P", "A")


def test_corner_text_still_prints_on_a_turned_image() -> None:
    image = marked()
    image.PatientName, image.ImageOrientationPatient = "DOE^JANE", [1, 0, 0, 0, 1, 0]
    config = FilmConfig(size="8INX10IN", dpi=100, annotations=AnnotationOptions())
    plain = sheet(image, config=config)
    shown = sheet(image, gsps(image, ImageRotation=90), config=config)
    assert not np.array_equal(shown, plain)
    assert (shown == 255).sum() > (plain == 255).sum() * 0.5


def test_a_voi_lut_and_a_modality_lut_sequence_in_the_state_replace_the_images() -> None:
    image = ramp()  # 0..1260
    modality = Dataset()
    modality.add_new("LUTDescriptor", "US", [2048, 0, 16])
    modality.add_new("LUTData", "US", [v // 2 for v in range(2048)])  # halves the values
    modality.ModalityLUTType = "US"
    lut = Dataset()
    lut.add_new("LUTDescriptor", "US", [1024, 0, 16])
    lut.add_new("LUTData", "US", [0 if v < 300 else 0xFFFF for v in range(1024)])  # a step
    item = Dataset()
    item.VOILUTSequence = [lut]
    shown = sheet(image, gsps(image, ModalityLUTSequence=[modality],
                              SoftcopyVOILUTSequence=[item]))  # fmt: skip
    top, left, bottom, right = place_of(image)
    row = shown[(top + bottom) // 2, left:right]
    # Halved, 300 is the stored value 600: column 30 of 64.
    edge = int(np.argmax(row > 127)) * 64 / (right - left)
    assert edge == pytest.approx(30, abs=0.6)
    assert row[0] == 0 and row[-1] == 255


def test_a_voi_item_for_one_image_leaves_the_others_own_window() -> None:
    first, second = ramp(), ramp()
    second.WindowCenter, second.WindowWidth = 630, 1260
    item = window(640, 320)[0]
    item.ReferencedImageSequence = [reference(first)]
    ps = gsps(first, second, SoftcopyVOILUTSequence=[item], ImageRotation=180)
    config = FilmConfig(size="8INX10IN", dpi=40, annotations=None)
    together = sheet(first, second, ps, config=config)
    plain = compose_sheets([ramp(), second], "8INX10IN", 40, layout=(1, 2))[0].pixels
    # The second image keeps its own window (only turned): its ramp runs the other way.
    top, left, bottom, right = fit((64, 64), 1.0, cell_boxes("8INX10IN", 40, (1, 2))[1])
    turned = together[top:bottom, left:right].astype(int)
    assert np.abs(turned - plain[top:bottom, left:right][::-1, ::-1]).max() <= 1
    row = together[together.shape[0] // 4, left:right]
    assert row[0] == 255 and row[-1] == 0  # the first: turned, 640/320 saturates 3/4 of it
    assert (row == 0).mean() > 0.3 and (row == 255).mean() > 0.3


def test_a_state_for_one_frame_of_a_multiframe_image_leaves_the_other_frames() -> None:
    frames = np.full((3, 64, 64), BACKGROUND, dtype=np.uint8)
    frames[:, :8, :8] = 255
    image = picture(frames, NumberOfFrames=3)
    ps = gsps(image, ImageRotation=90)
    ps.ReferencedSeriesSequence[0].ReferencedImageSequence = [reference(image, [2])]
    plan = plan_exam([image, ps])
    assert set(plan.presentations) == {(image.SOPInstanceUID, 1)}
    shown = compose_exam([image, ps], FilmConfig(size="14INX17IN", dpi=20, annotations=None))
    pixels = shown[0].pixels
    cells = cell_boxes("14INX17IN", 20, (2, 2))[:3]  # three images: 2x2
    assert [corner_of(pixels[top:bottom, left:right]) for top, left, bottom, right in cells] == [
        "top left", "top right", "top left",
    ]  # fmt: skip


def test_text_anchored_in_display_units_is_printed_beside_its_anchor() -> None:
    image = picture(np.full((64, 64), BACKGROUND, dtype=np.uint8))
    text = Dataset()
    text.UnformattedTextValue = "R"
    text.AnchorPointAnnotationUnits, text.AnchorPoint = "DISPLAY", [0.5, 0.5]
    text.AnchorPointVisibility = "N"
    config = FilmConfig(size="8INX10IN", dpi=100, annotations=None)
    shown = sheet(image, gsps(image, GraphicAnnotationSequence=annotation(texts=[text])),
                  config=config)  # fmt: skip
    top, left, bottom, right = box_of(shown > 0)
    y0, x0, _, _ = box_of(shown > 200)  # a small antialiased letter: not quite 255 anywhere
    assert (y0 - top) / (bottom - top) == pytest.approx(0.5, abs=0.05)
    assert (x0 - left) / (right - left) == pytest.approx(0.5, abs=0.05)


def test_a_state_in_a_documents_evidence_is_no_key_image_and_is_applied(
    caplog: pytest.LogCaptureFixture,
) -> None:
    images = [marked() for _ in range(3)]
    ps = gsps(images[1], ImageRotation=180)
    series = Dataset()
    series.SeriesInstanceUID = "1.2.3"
    series.ReferencedSOPSequence = [reference(images[1]), reference(ps)]
    evidence = Dataset()
    evidence.ReferencedSeriesSequence = [series]
    kos = Dataset()
    kos.SOPClassUID, kos.CurrentRequestedProcedureEvidenceSequence = (
        KEY_OBJECT_SELECTION,
        [evidence],
    )
    with caplog.at_level(logging.WARNING):
        plan = plan_exam([*images, kos, ps])
    assert [ds.SOPInstanceUID for ds, _ in plan.frames] == [images[1].SOPInstanceUID]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert corner_of(sheet(*images, kos, ps)) == "bottom right"


def test_an_interpolated_curve_is_drawn_through_its_points() -> None:
    image = picture(np.full((64, 64), BACKGROUND, dtype=np.uint8))
    curve = graphic("INTERPOLATED", [8, 32, 32, 8, 56, 32])
    shown = sheet(image, gsps(image, GraphicAnnotationSequence=annotation(curve)))
    top, left, _, right = box_of(shown > 0)
    scale = (right - left) / 64
    y0, x0, y1, x1 = box_of(shown == 255)
    assert ((x0 - left) / scale, (x1 - left) / scale) == pytest.approx((8, 56), abs=1)
    assert ((y0 - top) / scale, (y1 - top) / scale) == pytest.approx((8, 32), abs=1)


@pytest.mark.parametrize(
    ("spacing", "shown_mm", "bar_mm"),
    [(None, 25.0, 5), ([0.8, 0.8], 40.0, 10)],
    ids=["image-spacing", "presentation-spacing"],
)
def test_the_scale_bar_measures_the_displayed_area(
    spacing: list[float] | None, shown_mm: float, bar_mm: int
) -> None:
    image = picture(np.full((50, 100), BACKGROUND, dtype=np.uint8), PixelSpacing=[0.5, 0.5])
    half = area((1, 1), (50, 50))  # the left half: 50 columns
    if spacing is not None:
        half.PresentationPixelSpacing = spacing
        del half.PresentationPixelAspectRatio
    options = AnnotationOptions(patient_name=False, patient_id=False, sex_age=False,
                                study_datetime=False, modality=False, series_instance=False,
                                window=False, hospital=False, orientation=False)  # fmt: skip
    config = FilmConfig(size="8INX10IN", dpi=100, annotations=options)
    shown = sheet(image, gsps(image, DisplayedAreaSelectionSequence=[half]), config=config)
    plain = sheet(image, gsps(image, DisplayedAreaSelectionSequence=[half]),
                  config=FilmConfig(size="8INX10IN", dpi=100, annotations=None))  # fmt: skip
    _, left, _, right = box_of(plain > 0)
    ink = (shown == 255) & (plain != 255)
    longest = max(_longest_run(row) for row in ink)
    assert longest == pytest.approx(bar_mm * (right - left) / shown_mm, abs=2)


def _longest_run(row: NDArray[np.bool_]) -> int:
    edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int((ends - starts).max()) if starts.size else 0
