"""The pixel pipeline beyond the basics in test_film.py: exactness of the lookup-table path,
the VOI functions, padding, caching, and the corpus images dcmtk cannot read (JPEG 2000, a
16-bit palette), checked pixel by pixel against expectations worked out by hand from an
independent decoder (Pillow's OpenJPEG) and the formulas of PS3.3.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from numpy.typing import NDArray
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.uid import SecondaryCaptureImageStorage

from kiosk_app.services.film import FilmError, display_frame, parse_window, render_frame

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "dicom"
SPOTS = [(0, 0), (100, 100), (256, 256), (300, 200), (400, 380), (511, 511), (50, 450)]


def corpus(name: str) -> Dataset:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the DICOM corpus at {DATA.resolve()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


def image(
    pixels: NDArray[np.generic], photometric: str = "MONOCHROME2", **attrs: object
) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.set_pixel_data(pixels, photometric, pixels.dtype.itemsize * 8)
    for keyword, value in attrs.items():
        setattr(ds, keyword, value)
    return ds


def linear(x: float, center: float, width: float) -> float:
    """PS3.3 C.11.2.1.2.1 LINEAR onto 0..255, for one value."""
    if x <= center - 0.5 - (width - 1) / 2:
        return 0.0
    if x > center - 0.5 + (width - 1) / 2:
        return 255.0
    return ((x - (center - 0.5)) / (width - 1) + 0.5) * 255


# --- the lookup table computes what the formulas say ------------------------------------------


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.uint8])
def test_lookup_table_equals_the_formula_pixel_by_pixel(function: str, dtype: type) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(11)
    stored = rng.integers(info.min, info.max, size=(40, 50), endpoint=True).astype(dtype)
    slope, intercept, center, width = 0.5, -100.0, 20.0, 300.0
    ds = image(stored, RescaleSlope=slope, RescaleIntercept=intercept, WindowCenter=center,
               WindowWidth=width, VOILUTFunction=function)  # fmt: skip
    values = stored.astype(np.float64) * slope + intercept
    if function == "LINEAR":
        expected = np.vectorize(linear)(values, center, width)
    elif function == "LINEAR_EXACT":
        expected = np.clip(((values - center) / width + 0.5) * 255, 0, 255)
    else:
        expected = 255 / (1 + np.exp(-4 * (values - center) / width))
    out = display_frame(ds)
    assert np.array_equal(out, np.rint(expected).astype(np.uint8))
    assert render_frame(ds).window == (center, width)


def sigmoid(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """PS3.3 C.11.2.1.3.1 SIGMOID onto 0..255."""
    return 255 / (1 + np.exp(-4 * (values - center) / width))


def test_a_given_window_keeps_the_files_sigmoid_as_dcmtk_does() -> None:
    stored = np.arange(-1000, 1000, 5, dtype=np.int16).reshape(20, 20)
    ds = image(stored, RescaleSlope=1, RescaleIntercept=0, WindowCenter=500, WindowWidth=3000,
               VOILUTFunction="SIGMOID")  # fmt: skip
    values = stored.astype(np.float64)
    given = render_frame(ds, window=(40, 400))
    assert np.array_equal(given.pixels, np.rint(sigmoid(values, 40, 400)).astype(np.uint8))
    assert given.window == (40, 400) and given.voi == "window"
    # Naming a function with the window overrides the file's, as dcmtk's +Wfl does.
    linear_given = display_frame(ds, window=(40, 400, "LINEAR"))
    expected = np.rint(np.vectorize(linear)(values, 40, 400)).astype(np.uint8)
    assert np.array_equal(linear_given, expected)
    assert not np.array_equal(linear_given, given.pixels)


def test_a_given_window_can_ask_for_sigmoid_on_a_linear_file() -> None:
    stored = np.arange(0, 400, dtype=np.uint16).reshape(20, 20)
    ds = image(stored, WindowCenter=200, WindowWidth=400)  # LINEAR by default
    plain = display_frame(ds, window=(150, 100))
    assert np.array_equal(plain, np.rint(np.vectorize(linear)(stored.astype(float), 150, 100)))
    curved = display_frame(ds, window=(150, 100, "SIGMOID"))
    assert np.array_equal(curved, np.rint(sigmoid(stored.astype(float), 150, 100)))


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("40,400", (40.0, 400.0)),
        ("-600,1500,linear", (-600.0, 1500.0, "LINEAR")),
        ("40, 400, SIGMOID", (40.0, 400.0, "SIGMOID")),
        ("0.5,0.5,LINEAR_EXACT", (0.5, 0.5, "LINEAR_EXACT")),
    ],
)
def test_parse_window_with_and_without_a_function(text: str, window: tuple[object, ...]) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["40", "40,400,CUBIC", "40,0", "a,b", "40,400,LINEAR,1"])
def test_parse_window_refuses_what_is_not_a_window(text: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_window(text)


def test_32_bit_pixels_take_the_same_chain() -> None:
    stored = np.arange(-50_000, 50_000, 1000, dtype=np.int32).reshape(10, 10)
    ds = image(np.zeros((10, 10), dtype=np.int16), WindowCenter=0, WindowWidth=20_000)
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelData = stored.astype("<i4").tobytes()
    expected = np.rint(np.vectorize(linear)(stored.astype(float), 0, 20_000)).astype(np.uint8)
    assert np.array_equal(display_frame(ds), expected)


def test_images_with_different_rescale_never_share_a_table() -> None:
    stored = np.full((4, 4), 1000, dtype=np.int16)
    window = {"WindowCenter": 40, "WindowWidth": 400}
    soft = display_frame(image(stored, RescaleSlope=1, RescaleIntercept=-1000, **window))
    bone = display_frame(image(stored, RescaleSlope=1, RescaleIntercept=0, **window))
    assert soft[0, 0] == round(linear(0, 40, 400)) and bone[0, 0] == 255


def test_first_of_several_windows_is_used_and_reported() -> None:
    ds = corpus("examples_overlay.dcm")  # centers [450, 200], widths [790, 443]
    rendered = render_frame(ds)
    assert rendered.window == (450, 790) and rendered.voi == "file"
    assert np.array_equal(rendered.pixels, display_frame(ds, window=(450, 790)))
    assert not np.array_equal(rendered.pixels, display_frame(ds, window=(200, 443)))


def test_padding_prints_black_even_inside_the_window() -> None:
    # A deliberate difference from dcmtk, which windows padding like anatomy.
    stored = np.array([[-2000, -1000, 0, 1000]], dtype=np.int16)
    ds = image(stored, PixelPaddingValue=-2000, RescaleSlope=1, RescaleIntercept=0,
               WindowCenter=0, WindowWidth=6000)  # fmt: skip
    out = display_frame(ds)
    assert out[0, 0] == 0
    assert out[0, 1] == round(linear(-1000, 0, 6000))


def test_an_unusable_file_window_falls_back_to_an_automatic_one() -> None:
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    out = display_frame(image(ramp, WindowCenter=128, WindowWidth=0))
    assert out.min() <= 2 and out.max() >= 253


# --- corpus files dcmtk cannot read: expectations by hand -------------------------------------


def _codestream(ds: Dataset) -> bytes:
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def _siz(codestream: bytes) -> tuple[int, bool]:
    """(precision, signed) of component 0, read from the J2K SIZ marker segment."""
    at = codestream.index(b"\xff\x51")
    ssiz = codestream[at + 2 + 2 + 2 + 32 + 2]  # Lsiz, Rsiz, 8 x 32-bit sizes, Csiz
    return (ssiz & 0x7F) + 1, bool(ssiz & 0x80)


def _pillow_stored(ds: Dataset) -> np.ndarray:
    """Stored values as an independent decoder (Pillow's OpenJPEG) sees the codestream.

    Pillow scales samples to 16 bits and offsets signed ones by 32768; undo both.
    """
    codestream = _codestream(ds)
    precision, signed = _siz(codestream)
    raw = np.asarray(Image.open(io.BytesIO(codestream))).astype(np.int64)
    values = (raw - (32768 if signed else 0)) >> (16 - precision)
    bits = int(ds.BitsStored)
    if int(ds.PixelRepresentation) == 1 and not signed:
        # The codestream says unsigned, the dataset signed (PixelRepresentation wins).
        values = np.where(values >= 1 << (bits - 1), values - (1 << bits), values)
    return values


@pytest.mark.parametrize(
    ("name", "center", "width", "invert"),
    [
        ("693_J2KR.dcm", 40, 100, False),  # CT, rescale intercept -1024
        ("J2K_pixelrep_mismatch.dcm", 40, 100, False),  # first of three windows
        ("RG3_J2KI.dcm", 550, 1024, True),  # MONOCHROME1, lossy
    ],
)
def test_jpeg2000_greyscale_pixels_worked_out_by_hand(
    name: str, center: float, width: float, invert: bool
) -> None:
    ds = corpus(name)
    stored = _pillow_stored(ds)
    slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
    out = display_frame(ds)
    rows, columns = out.shape
    for y, x in SPOTS:
        y, x = min(y, rows - 1), min(x, columns - 1)
        grey = linear(stored[y, x] * slope + intercept, center, width)
        expected = 255 - grey if invert else grey
        assert abs(int(out[y, x]) - round(expected)) <= 1, (y, x, stored[y, x])


def test_jpeg2000_lossless_mr_is_the_uncompressed_mr_exactly() -> None:
    assert np.array_equal(
        display_frame(corpus("MR_small_jp2klossless.dcm")), display_frame(corpus("MR_small.dcm"))
    )


@pytest.mark.parametrize("name", ["examples_jpeg2k.dcm", "HTJ2K_08_RGB.dcm"])
def test_jpeg2000_colour_is_its_luminance_by_hand(name: str) -> None:
    ds = corpus(name)
    try:
        rgb = np.asarray(Image.open(io.BytesIO(_codestream(ds))).convert("RGB")).astype(float)
    except OSError as exc:  # an OpenJPEG without HTJ2K: nothing independent to compare with
        pytest.skip(f"Pillow cannot decode {name}: {exc}")
    out = display_frame(ds)
    for y, x in SPOTS:
        y, x = min(y, out.shape[0] - 1), min(x, out.shape[1] - 1)
        expected = 0.299 * rgb[y, x, 0] + 0.587 * rgb[y, x, 1] + 0.114 * rgb[y, x, 2]
        assert abs(int(out[y, x]) - expected) <= 1.5, (y, x)


def test_sixteen_bit_segmented_palette_by_hand() -> None:
    ds = corpus("gdcm-US-ALOKA-16.dcm")
    out = display_frame(ds)
    stored = ds.pixel_array
    # Segmented LUTs (PS3.3 C.7.9.2): expand each colour's segments by hand.
    luts = []
    for colour in ("Red", "Green", "Blue"):
        data = ds[f"Segmented{colour}PaletteColorLookupTableData"].value
        words = struct.unpack(f"<{len(data) // 2}H", data)
        luts.append(np.array(_expand_segments(words), dtype=float))
    first = int(ds.RedPaletteColorLookupTableDescriptor[1])
    for y, x in [(0, 0), (240, 320), (100, 500), (400, 100), (300, 300)]:
        index = int(np.clip(int(stored[y, x]) - first, 0, len(luts[0]) - 1))
        r, g, b = (lut[index] for lut in luts)
        expected = (0.299 * r + 0.587 * g + 0.114 * b) * 255 / 65535
        assert abs(int(out[y, x]) - expected) <= 1, (y, x)


def _expand_segments(words: tuple[int, ...]) -> list[float]:
    out: list[float] = []
    i = 0
    while i < len(words):
        opcode, length = words[i], words[i + 1]
        if opcode == 0:  # discrete
            out.extend(words[i + 2 : i + 2 + length])
            i += 2 + length
        elif opcode == 1:  # linear from the last value to the next
            start, end = out[-1], words[i + 2]
            out.extend(start + (end - start) * (k + 1) / length for k in range(length))
            i += 3
        else:  # indirect segments are not in this file
            raise AssertionError(f"opcode {opcode}")
    return out


def test_undecodable_transfer_syntax_names_itself() -> None:
    ds = image(np.zeros((4, 4), dtype=np.uint8))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2: not decodable here
    with pytest.raises(FilmError, match=r"MPEG2|1\.2\.840\.10008\.1\.2\.4\.100"):
        display_frame(ds)


def test_a_file_without_file_meta_reads_as_implicit_vr_little_endian(tmp_path: Path) -> None:
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    ramp = np.arange(64, dtype=np.uint8).reshape(8, 8)
    bare = image(ramp, WindowCenter=128, WindowWidth=256)
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, True
    write_dataset(buffer, bare)  # no preamble, no DICM, no file meta: PS3.10 7.1 "raw"
    (tmp_path / "bare.dcm").write_bytes(buffer.getvalue())
    ds = pydicom.dcmread(tmp_path / "bare.dcm", force=True)
    assert np.array_equal(display_frame(ds), ramp)
