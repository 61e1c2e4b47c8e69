"""The film engine, checked the way a radiographer checks a film: grey levels, polarity,
proportions, layout, and a clear refusal for damaged files.

Real images come from the public corpus in ../shared/data/dicom (see its MANIFEST.tsv), read
in place; those tests skip when the corpus is absent. Layout tests use small synthetic images
at low dpi to stay fast.
"""

from __future__ import annotations

import copy
import math
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import SecondaryCaptureImageStorage

from kiosk_app.core.errors import KioskError
from kiosk_app.services.film import (
    FILM_SIZES,
    FilmError,
    compose_sheets,
    display_frame,
    parse_layout,
    parse_window,
    pixel_aspect,
)

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "dicom"

# BT.601 luminance of pure red, green and blue at full scale.
RED_Y, GREEN_Y, BLUE_Y = 76, 150, 29


def corpus(name: str) -> Dataset:
    """A file from the public DICOM corpus, or a skip saying where it was expected."""
    path = DATA / name
    if not DATA.is_dir():
        pytest.skip(f"public DICOM corpus not found at {DATA.resolve()} (MANIFEST.tsv lists it)")
    if not path.is_file():
        pytest.skip(f"{name} is not in the DICOM corpus at {DATA.resolve()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged files are read on purpose
        return pydicom.dcmread(path)


def image(
    pixels: NDArray[np.generic], photometric: str = "MONOCHROME2", /, **attrs: object
) -> Dataset:
    """A synthetic single- or multi-frame image dataset with the given attributes."""
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.set_pixel_data(pixels, photometric, pixels.dtype.itemsize * 8)
    for keyword, value in attrs.items():
        setattr(ds, keyword, value)
    return ds


def flat(value: int, shape: tuple[int, int] = (16, 16), /, **attrs: object) -> Dataset:
    """A uniform 8-bit image whose window maps stored value v to display value v."""
    pixels = np.full(shape, value, dtype=np.uint8)
    return image(pixels, WindowCenter=128, WindowWidth=256, **attrs)


def bounding_box(mask: NDArray[np.bool_]) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive, of the True pixels."""
    rows, cols = np.nonzero(mask)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


# --- grey levels ----------------------------------------------------------------------------


def test_film_sizes_are_the_dicom_ids_in_portrait_inches() -> None:
    assert set(FILM_SIZES) == {
        "8INX10IN", "10INX12IN", "10INX14IN", "11INX14IN", "14INX14IN", "14INX17IN",
        "24CMX24CM", "24CMX30CM", "A4", "A3",
    }  # fmt: skip
    assert all(w <= h for w, h in FILM_SIZES.values())
    assert FILM_SIZES["14INX17IN"] == (14, 17)
    assert FILM_SIZES["A4"] == pytest.approx((8.27, 11.69), abs=0.01)
    assert FILM_SIZES["24CMX30CM"] == pytest.approx((9.45, 11.81), abs=0.01)


def test_ct_soft_tissue_window_gives_the_expected_grey_for_each_hu() -> None:
    ds = corpus("CT_small.dcm")
    hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)

    out = display_frame(ds, window=(40, 400))

    # DICOM LINEAR window (PS3.3 C.11.2.1.2.1) onto 0..255, written out independently.
    expected = np.where(
        hu <= -160, 0, np.where(hu > 239, 255, np.rint(((hu - 39.5) / 399 + 0.5) * 255))
    )
    assert out.dtype == np.uint8 and out.shape == (128, 128)
    assert np.abs(out.astype(int) - expected).max() <= 1
    assert (out[hu <= -160] == 0).all(), "fat and air must be black in a soft-tissue window"
    assert (out[hu >= 240] == 255).all(), "bone must be white in a soft-tissue window"
    assert np.isin(out[(hu >= 35) & (hu <= 45)], [125, 126, 127, 128, 129, 130, 131]).all()


@pytest.mark.parametrize("signed", [False, True])
def test_bits_above_bits_stored_are_ignored(signed: bool) -> None:
    # 12 bits stored in 16: a writer may leave anything in the top 4 bits (an old overlay
    # plane, say); a reader must drop them (PS3.5 8.1.1), and sign-extend signed pixels.
    rng = np.random.default_rng(12)
    low, high = (-2048, 2047) if signed else (0, 4095)
    values = rng.integers(low, high + 1, (64, 64))
    ds = image(values.astype(np.int16 if signed else np.uint16), PixelRepresentation=int(signed))
    ds.BitsStored, ds.HighBit = 12, 11
    patterns = values.astype(np.int64) & 0x0FFF
    patterns |= rng.choice([0x0000, 0x1000, 0x8000, 0xF000], values.shape)  # garbage on top
    ds.PixelData = patterns.astype("<u2").tobytes()

    out = display_frame(ds, window=(0 if signed else 2048, 4096))

    center = 0 if signed else 2048
    expected = np.clip(np.rint(((values - (center - 0.5)) / 4095 + 0.5) * 255), 0, 255)
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_the_files_own_window_is_used_when_none_is_given() -> None:
    ds = corpus("MR_small.dcm")  # Window Center 600, Width 1600
    assert np.array_equal(display_frame(ds), display_frame(ds, window=(600, 1600)))


def test_voi_lut_sequence_is_applied() -> None:
    ds = corpus("vlut_04.dcm")  # SMPTE pattern through a VOI LUT, no window
    lut = np.asarray(ds.VOILUTSequence[0].LUTData, dtype=np.float64)
    raw = ds.pixel_array
    expected = np.rint(lut[raw] * 255 / 65535)
    assert np.abs(display_frame(ds).astype(int) - expected).max() <= 1


def test_monochrome1_radiograph_prints_bone_white_and_air_black() -> None:
    ds = corpus("RG3_J2KI.dcm")  # CR of a lower leg, MONOCHROME1
    out = display_frame(ds)

    assert out[380:420, 510:550].mean() < 60, "direct exposure beside the leg must be dark"
    assert out[380:420, 840:880].mean() > 150, "the tibia must be bright"
    assert (out[380:420, 80:120] == 255).all(), "the collimated (unexposed) edge must be clear"

    as_mono2 = copy.deepcopy(ds)
    as_mono2.PhotometricInterpretation = "MONOCHROME2"
    assert np.abs(out.astype(int) - (255 - display_frame(as_mono2).astype(int))).max() <= 1


def test_presentation_lut_shape_inverse_inverts_but_never_twice() -> None:
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    window = {"WindowCenter": 128, "WindowWidth": 256}
    plain = display_frame(image(ramp, **window))
    inverse = display_frame(image(ramp, PresentationLUTShape="INVERSE", **window))
    mono1 = display_frame(image(ramp, "MONOCHROME1", **window))
    mono1_inverse = display_frame(
        image(ramp, "MONOCHROME1", PresentationLUTShape="INVERSE", **window)
    )

    assert np.array_equal(plain, ramp)
    assert np.array_equal(inverse, 255 - ramp)
    assert np.array_equal(mono1, 255 - ramp)
    # DX requires INVERSE with MONOCHROME1: the same inversion said twice, applied once.
    assert np.array_equal(mono1_inverse, 255 - ramp)


@pytest.mark.parametrize(
    "name",
    [
        "SC_rgb_jpeg_gdcm.dcm",  # RGB, JPEG lossless
        "SC_ybr_full_uncompressed.dcm",  # YBR_FULL, native
        "SC_ybr_full_422_uncompressed.dcm",  # YBR_FULL_422, native
        "SC_rgb_jpeg_dcmtk.dcm",  # YBR_FULL, JPEG baseline
    ],
)
def test_colour_bars_become_their_luminance(name: str) -> None:
    out = display_frame(corpus(name)).astype(int)  # bands of 10 rows: red, pink, green, ...
    assert out.shape == (100, 100)
    for row, grey in [(5, RED_Y), (25, GREEN_Y), (45, BLUE_Y), (65, 0), (75, 64), (95, 255)]:
        assert np.abs(out[row] - grey).max() <= 3, f"row {row} should be grey {grey}"


def test_palette_colour_goes_through_its_lookup_table() -> None:
    indices = np.array([[0, 1], [2, 3]], dtype=np.uint8)
    red, green, blue = ([65535 * (k == c) for k in range(4)] for c in (0, 1, 2))
    ds = image(indices, "PALETTE COLOR")
    for colour, entries in (("Red", red), ("Green", green), ("Blue", blue)):
        entries[3] = 65535  # index 3 is white
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [4, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", np.array(entries, "<u2").tobytes())

    assert display_frame(ds).tolist() == [[RED_Y, GREEN_Y], [BLUE_Y, 255]]


def test_real_palette_ultrasound_renders_in_grey() -> None:
    ds = corpus("examples_palette.dcm")
    out = display_frame(ds)
    assert out.shape == (350, 800) and out.dtype == np.uint8
    assert out.max() > 200 and out.min() == 0


def test_multiframe_picks_the_requested_frame() -> None:
    ds = corpus("emri_small.dcm")  # 10 frames
    first, sixth = display_frame(ds, 0), display_frame(ds, 5)
    assert first.shape == sixth.shape == (64, 64)
    assert np.abs(first.astype(int) - sixth.astype(int)).mean() > 5
    with pytest.raises(FilmError, match="frame 10 does not exist; the image has 10"):
        display_frame(ds, 10)


def test_automatic_window_ignores_padding_and_outliers() -> None:
    pixels = np.full((100, 100), -2000, dtype=np.int16)  # padding around a 50x50 image
    pixels[25:75, 25:75] = np.linspace(1000, 1100, 2500).reshape(50, 50)
    pixels[30, 30] = 30000  # one hot pixel must not squash the rest
    ds = image(pixels, PixelPaddingValue=-2000, RescaleSlope=1, RescaleIntercept=0)

    out = display_frame(ds)
    content = out[25:75, 25:75].astype(int)

    assert (out[:25] == 0).all() and (out[:, :25] == 0).all(), "padding must print black"
    assert content.min() <= 5 and np.sort(content.ravel())[-20] >= 250, "full contrast"
    assert 110 <= np.median(content) <= 145
    # A raw min/max window would have left the content a near-uniform grey.
    assert content.std() > 60


def test_automatic_window_honours_padding_range_limit() -> None:
    pixels = np.zeros((40, 40), dtype=np.uint16)
    pixels[:, :20] = np.arange(20, dtype=np.uint16)  # padding values 0..19
    pixels[:, 20:] = np.linspace(500, 600, 20 * 40).reshape(40, 20)
    ds = image(pixels, PixelPaddingValue=0, PixelPaddingRangeLimit=19)
    out = display_frame(ds)
    assert (out[:, :20] == 0).all()
    assert out[:, 20:].min() <= 5 and out[:, 20:].max() >= 250


# --- proportions and layout -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"PixelSpacing": [0.5, 0.25]}, 2.0),
        ({"PixelSpacing": [0.7, 0.7], "PixelAspectRatio": [1, 2]}, 1.0),
        ({"PixelAspectRatio": [4, 3]}, 4 / 3),
        ({"PixelSpacing": [0, 0.5]}, 1.0),  # unusable spacing is ignored
        ({}, 1.0),
    ],
)
def test_pixel_aspect(attrs: dict[str, object], expected: float) -> None:
    assert pixel_aspect(flat(1, **attrs)) == pytest.approx(expected)


def test_pixel_aspect_of_an_enhanced_object_comes_from_its_functional_groups() -> None:
    ds = flat(1)
    measures, shared = Dataset(), Dataset()
    measures.PixelSpacing = [1.0, 2.0]
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    assert pixel_aspect(ds) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("shape", "attrs", "width_over_height"),
    [
        ((100, 50), {"PixelSpacing": [0.5, 2.0]}, 2.0),  # 50 mm tall, 100 mm wide
        ((50, 100), {"PixelAspectRatio": [4, 1]}, 0.5),  # 200 units tall, 100 wide
        ((60, 60), {}, 1.0),
    ],
)
def test_non_square_pixels_keep_their_physical_proportions(
    shape: tuple[int, int], attrs: dict[str, object], width_over_height: float
) -> None:
    (sheet,) = compose_sheets([flat(200, shape, **attrs)], "14INX14IN", dpi=50, layout=(1, 1))
    top, left, bottom, right = bounding_box(sheet.pixels > 0)
    assert (right - left) / (bottom - top) == pytest.approx(width_over_height, rel=0.02)
    assert (sheet.pixels[top:bottom, left:right] == 200).all(), "never cropped or smeared"


def test_small_images_are_enlarged_to_fill_their_cell() -> None:
    (sheet,) = compose_sheets([flat(180, (8, 8))], "8INX10IN", dpi=50, layout=(1, 1))
    top, left, bottom, right = bounding_box(sheet.pixels > 0)
    margin = round(5 / 25.4 * 50)
    assert right - left >= 400 - 2 * margin - 2, "the image spans the printable width"
    assert bottom - top == right - left
    centre = sheet.pixels.shape[0] / 2
    assert abs((top + bottom) / 2 - centre) <= 1, "centred vertically in its cell"


def test_shrinking_averages_fine_detail_instead_of_aliasing() -> None:
    checkerboard = (np.indices((512, 512)).sum(axis=0) % 2 * 255).astype(np.uint8)
    ds = image(checkerboard, WindowCenter=128, WindowWidth=256)
    (sheet,) = compose_sheets([ds], "8INX10IN", dpi=20, layout=(1, 1))
    top, left, bottom, right = bounding_box(sheet.pixels > 0)
    inner = sheet.pixels[top + 2 : bottom - 2, left + 2 : right - 2].astype(int)
    # Skipping pixels would print solid black or white (std ~127); averaging prints grey.
    assert abs(inner.mean() - 127.5) < 3 and inner.std() < 20, "a fine pattern prints mid-grey"


@pytest.mark.parametrize("film_size_id", sorted(FILM_SIZES))
def test_every_sheet_is_the_film_size_at_the_dpi(film_size_id: str) -> None:
    width, height = FILM_SIZES[film_size_id]
    sheets = compose_sheets([flat(100)] * 3, film_size_id, dpi=50)
    assert [s.pixels.shape for s in sheets] == [(round(height * 50), round(width * 50))]
    assert sheets[0].pixels.dtype == np.uint8
    assert (sheets[0].film_size_id, sheets[0].dpi, sheets[0].portrait) == (film_size_id, 50, True)


def test_25_images_take_two_sheets_of_4x5() -> None:
    sheets = compose_sheets([flat(100 + i) for i in range(25)], dpi=20)
    assert len(sheets) == 2
    assert all(s.pixels.shape == (340, 280) for s in sheets)
    on_second = {int(v) for v in np.unique(sheets[1].pixels)} - {0}
    assert on_second == {120, 121, 122, 123, 124}, "the last five, in order, on sheet two"


@pytest.mark.parametrize(
    ("count", "grid"),
    [(1, (1, 1)), (2, (1, 2)), (4, (2, 2)), (5, (2, 3)), (9, (3, 3)), (12, (3, 4)), (20, (4, 5))],
)
def test_automatic_layout_is_the_smallest_grid_that_fits(count: int, grid: tuple[int, int]) -> None:
    auto = compose_sheets([flat(100 + i) for i in range(count)], dpi=20)
    explicit = compose_sheets([flat(100 + i) for i in range(count)], dpi=20, layout=grid)
    assert len(auto) == 1
    assert np.array_equal(auto[0].pixels, explicit[0].pixels)


def test_each_frame_of_a_multiframe_object_is_one_image() -> None:
    frames = np.stack([np.full((16, 16), 50 + 10 * i, dtype=np.uint8) for i in range(6)])
    ds = image(frames, WindowCenter=128, WindowWidth=256)
    (sheet,) = compose_sheets([ds, flat(200)], dpi=20)  # 7 images → 3x3
    assert {int(v) for v in np.unique(sheet.pixels)} == {0, 50, 60, 70, 80, 90, 100, 200}


def test_images_stay_inside_their_own_cells() -> None:
    dpi, margin_mm, gutter_mm = 50, 5.0, 2.0
    values = [30 + 10 * i for i in range(20)]
    shapes = [(16, 16), (40, 10), (10, 40), (30, 20)]
    datasets = [flat(v, shapes[i % 4]) for i, v in enumerate(values)]
    (sheet,) = compose_sheets(datasets, "14INX17IN", dpi, None, margin_mm, gutter_mm)

    margin, gutter = margin_mm / 25.4 * dpi, gutter_mm / 25.4 * dpi
    height, width = sheet.pixels.shape
    cell_w, cell_h = (width - 2 * margin - 3 * gutter) / 4, (height - 2 * margin - 4 * gutter) / 5
    boxes = []
    for i, value in enumerate(values):
        mask = sheet.pixels == value
        top, left, bottom, right = bounding_box(mask)
        assert mask[top:bottom, left:right].all(), f"image {i} is one solid rectangle"
        row, col = divmod(i, 4)
        cell_left, cell_top = margin + col * (cell_w + gutter), margin + row * (cell_h + gutter)
        assert cell_left - 0.5 <= left and right <= cell_left + cell_w + 0.5, f"image {i} x"
        assert cell_top - 0.5 <= top and bottom <= cell_top + cell_h + 0.5, f"image {i} y"
        boxes.append((top, left, bottom, right))
    assert (sheet.pixels > 0).sum() == sum((b - t) * (r - left) for t, left, b, r in boxes)


@settings(max_examples=25, deadline=None)
@given(
    count=st.integers(1, 30),
    columns=st.integers(1, 4),
    rows=st.integers(1, 5),
)
def test_sheet_count_is_images_over_cells(count: int, columns: int, rows: int) -> None:
    sheets = compose_sheets([flat(99, (4, 4))] * count, "8INX10IN", 10, (columns, rows), 2, 1)
    assert len(sheets) == math.ceil(count / (columns * rows))
    assert all(s.pixels.shape == (100, 80) for s in sheets)


# --- refusals -------------------------------------------------------------------------------


def _assert_film_error(error: pytest.ExceptionInfo[FilmError], *phrases: str) -> None:
    assert isinstance(error.value, KioskError)
    assert error.value.message_id == "film.compose_failed"
    message = str(error.value)
    assert message.startswith("The film could not be composed (")
    for phrase in phrases:
        assert phrase in message


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"film_size_id": "15INX18IN"}, "unknown film size '15INX18IN'"),
        ({"layout": (0, 3)}, "layout (0, 3)"),
        ({"layout": (2, -1)}, "layout (2, -1)"),
        ({"layout": (200, 200)}, "does not fit"),
        ({"margin_mm": -1.0}, "must be >= 0"),
        ({"dpi": 0}, "dpi"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(FilmError) as error:
        compose_sheets([flat(1)], **{"dpi": 20, **kwargs})  # type: ignore[arg-type]
    _assert_film_error(error, phrase)


def test_no_images_is_refused() -> None:
    with pytest.raises(FilmError) as error:
        compose_sheets([])
    _assert_film_error(error, "no images")


@pytest.mark.filterwarnings("ignore:Invalid value for VR IS")  # badVR.dcm, on purpose
@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("MR_truncated.dcm", ["Explicit VR Little Endian", "could not be decoded"]),
        pytest.param(
            "DX_966_MONO1_J2KR.dcm",
            ["JPEG 2000", "1.2.840.10008.1.2.4.90", "could not be decoded"],
            marks=pytest.mark.allow_error_logs,  # pydicom logs each failing plugin at ERROR
        ),
        ("emri_small_j2k_too_short.dcm", ["no pixel data"]),
        ("meta_missing_tsyntax.dcm", ["does not say how its pixel data is encoded"]),
        ("badVR.dcm", ["Number of Frames '1A'"]),
        ("waveform_ecg.dcm", ["12-lead ECG Waveform Storage object has no pixel data"]),
    ],
)
def test_damaged_or_non_image_files_raise_a_clear_film_error(name: str, phrases: list[str]) -> None:
    ds = corpus(name)
    with pytest.raises(FilmError) as error:
        compose_sheets([ds], dpi=20)
    _assert_film_error(error, *phrases)


@pytest.mark.filterwarnings("ignore:Invalid value for VR IS")  # badVR.dcm, on purpose
def test_every_corpus_image_renders_or_fails_cleanly() -> None:
    if not DATA.is_dir():
        pytest.skip(f"public DICOM corpus not found at {DATA.resolve()}")
    slow = {"DX_966_MONO1_J2KR.dcm"}  # covered above; its failed decode takes seconds
    rendered = 0
    for path in sorted(DATA.glob("*.dcm")):
        if path.name in slow:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, force=True)
        try:
            out = display_frame(ds)
        except FilmError:
            continue
        rows, columns = int(ds.Rows), int(ds.Columns)
        assert out.shape == (rows, columns) and out.dtype == np.uint8, path.name
        rendered += 1
    assert rendered >= 35


# --- command-line helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("4x5", (4, 5)), (" 3X4 ", (3, 4)), ("1x1", (1, 1))]
)
def test_parse_layout(text: str, expected: tuple[int, int]) -> None:
    assert parse_layout(text) == expected


@pytest.mark.parametrize("text", ["", "4", "4x", "x5", "0x5", "4x0", "-1x2", "4x5x6", "ax b"])
def test_parse_layout_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="COLUMNSxROWS"):
        parse_layout(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("40,400", (40.0, 400.0)), ("-600, 1500", (-600.0, 1500.0)), ("0.5,0.25", (0.5, 0.25))],
)
def test_parse_window(text: str, expected: tuple[float, float]) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize("text", ["", "40", "40,", "a,b", "40,400,1", "40,0", "40,-5", "nan,400"])
def test_parse_window_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_window(text)
