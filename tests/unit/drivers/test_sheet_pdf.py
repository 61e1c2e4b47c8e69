"""Film sheets become a PDF (or PNG) whose pages are the sheets' physical size and exact pixels."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pypdf import PdfReader

from drivers.base import FilmSheet
from drivers.printer.sheet_pdf import (
    _adler32_combine,
    flate_rows,
    page_size_points,
    pixels_to_png,
    sheet_to_png,
    sheets_to_pdf,
)


def noise(rows: int, columns: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(rows, columns), dtype=np.uint8)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pixels_of(reader: PdfReader, page: int) -> np.ndarray:
    images = reader.pages[page].images
    assert len(images) == 1
    image = images[0].image
    assert image is not None and image.mode == "L"
    return np.asarray(image)


def test_one_page_per_sheet_at_the_sheets_physical_size() -> None:
    sheets = [
        FilmSheet(noise(170, 140), "14INX17IN", 10),  # 14 x 17 in
        FilmSheet(noise(80, 100, seed=8), "8INX10IN", 10, portrait=False),  # 10 x 8 in
        FilmSheet(noise(300, 300, seed=9), "24CMX24CM", 32),  # 9.375 in square
    ]
    reader = read(sheets_to_pdf(sheets))

    assert len(reader.pages) == 3
    sizes = [float(v) for p in reader.pages for v in (p.mediabox.width, p.mediabox.height)]
    assert sizes == pytest.approx([14 * 72, 17 * 72, 10 * 72, 8 * 72, 675, 675], abs=0.01)
    assert sizes == pytest.approx([v for s in sheets for v in page_size_points(s)], abs=0.01)
    for index, sheet in enumerate(sheets):
        np.testing.assert_array_equal(pixels_of(reader, index), sheet.pixels)


def test_image_is_flate_compressed_grey_without_ascii85_or_jpeg() -> None:
    sheet = FilmSheet(noise(400, 300), "14INX17IN", 25)
    pdf = sheets_to_pdf([sheet])

    page = read(pdf).pages[0]
    xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
    (image,) = (xobjects[name].get_object() for name in xobjects)
    assert image["/Filter"] == ["/FlateDecode"]
    assert image["/ColorSpace"] == "/DeviceGray"
    assert image["/BitsPerComponent"] == 8
    assert (image["/Width"], image["/Height"]) == (300, 400)
    # Noise does not compress: ASCII85 on top would make the file 25 % bigger than the pixels.
    assert len(pdf) < sheet.pixels.size * 1.02 + 4096


def test_a_flat_sheet_compresses_well() -> None:
    sheet = FilmSheet(np.full((1700, 1400), 255, dtype=np.uint8), "14INX17IN", 100)
    assert len(sheets_to_pdf([sheet])) < 20_000


def test_views_and_transposed_arrays_keep_their_pixels() -> None:
    base = noise(120, 90)
    sheets = [
        FilmSheet(base.T, "14INX17IN", 10),  # not C-contiguous
        FilmSheet(base[::2, 1::3], "14INX17IN", 10),  # strided view
    ]
    reader = read(sheets_to_pdf(sheets))
    np.testing.assert_array_equal(pixels_of(reader, 0), base.T)
    np.testing.assert_array_equal(pixels_of(reader, 1), base[::2, 1::3])


def test_same_sheets_give_the_same_bytes_and_the_title_is_kept() -> None:
    sheets = [FilmSheet(noise(50, 40), "8INX10IN", 5)]
    first = sheets_to_pdf(sheets, title="Films for ACC-1")
    assert first == sheets_to_pdf(sheets, title="Films for ACC-1")
    metadata = read(first).metadata
    assert metadata is not None and metadata.title == "Films for ACC-1"


def test_a_chinese_title_survives() -> None:
    pdf = sheets_to_pdf([FilmSheet(noise(10, 10), "8INX10IN", 5)], title="胶片 DEMO0001 (张*)")
    metadata = read(pdf).metadata
    assert metadata is not None and metadata.title == "胶片 DEMO0001 (张*)"


def test_a_full_size_sheet_in_many_bands_round_trips_exactly() -> None:
    # 14x17 in at 300 dpi: bigger than one deflate band, so the bands and the combined
    # checksum are exercised; zlib itself checks the Adler-32 when decompressing.
    rng = np.random.default_rng(3)
    pixels = np.zeros((5100, 4200), dtype=np.uint8)
    pixels[100:5000:7, 50:4150] = rng.integers(0, 256, size=(700, 4100), dtype=np.uint8)
    pixels[2000:3000, 1000:3000] = 255
    sheet = FilmSheet(pixels, "14INX17IN", 300)
    reader = read(sheets_to_pdf([sheet]))
    np.testing.assert_array_equal(pixels_of(reader, 0), pixels)
    png = Image.open(io.BytesIO(sheet_to_png(sheet)))
    assert png.mode == "L" and png.size == (4200, 5100)
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    np.testing.assert_array_equal(np.asarray(png), pixels)


def test_flate_payload_is_one_valid_zlib_stream() -> None:
    pixels = noise(3000, 1000)
    raw = zlib.decompress(flate_rows(pixels))  # checks the combined Adler-32 too
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(3000, 1001)
    assert (rows[:, 0] == 2).all(), "every row says PNG filter Up"
    restored = np.cumsum(rows[:, 1:], axis=0, dtype=np.uint8)
    np.testing.assert_array_equal(restored, pixels)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_adler32_combine_matches_zlib(first: bytes, second: bytes) -> None:
    combined = _adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(first + second)


def test_png_of_a_rendered_frame_has_no_dpi_when_none_is_given() -> None:
    pixels = noise(7, 13)
    png = Image.open(io.BytesIO(pixels_to_png(pixels)))
    assert "dpi" not in png.info
    np.testing.assert_array_equal(np.asarray(png), pixels)


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ([], "no sheets"),
        ([FilmSheet(np.zeros((10, 10), dtype=np.uint16), "8INX10IN", 5)], "uint8"),
        ([FilmSheet(np.zeros((10, 10, 3), dtype=np.uint8), "8INX10IN", 5)], "2-D"),
        ([FilmSheet(np.zeros((0, 10), dtype=np.uint8), "8INX10IN", 5)], "empty"),
        ([FilmSheet(np.zeros((10, 10), dtype=np.uint8), "8INX10IN", 0)], "dpi"),
    ],
)
def test_bad_sheets_are_refused(sheets: list[FilmSheet], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sheets_to_pdf(sheets)


@settings(max_examples=25, deadline=None)
@given(
    pixels=arrays(
        np.uint8,
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        elements=st.integers(0, 255),
    ),
    dpi=st.integers(1, 600),
)
def test_any_sheet_round_trips_exactly(pixels: np.ndarray, dpi: int) -> None:
    reader = read(sheets_to_pdf([FilmSheet(pixels, "14INX17IN", dpi)]))
    np.testing.assert_array_equal(pixels_of(reader, 0), pixels)


@settings(max_examples=25, deadline=None)
@given(
    pixels=arrays(
        np.uint8,
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        elements=st.integers(0, 255),
    ),
)
def test_any_png_round_trips_exactly(pixels: np.ndarray) -> None:
    png = Image.open(io.BytesIO(pixels_to_png(pixels, dpi=300)))
    np.testing.assert_array_equal(np.asarray(png), pixels)
