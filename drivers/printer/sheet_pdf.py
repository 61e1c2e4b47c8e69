"""Film sheets as print files: PDF (one page per sheet) or PNG, pixels kept exactly.

A film printer behind CUPS (or the demo printer) receives composed sheets as a PDF. Each page is
exactly ``columns / dpi`` by ``rows / dpi`` inches and holds one 8-bit DeviceGray image XObject,
Flate-compressed: no resampling, no JPEG, so the printer gets the pixels the film engine made.
A PNG of a sheet carries its dpi (pHYs), so it too prints at the film's physical size.

Both formats hold the same payload: the rows PNG-filtered ("Up", which suits scanned-in-rows
medical images) and deflated. A 4200x5100 sheet is 21 MB of pixels, so the payload is made the
way pigz does it: the rows are cut into bands deflated in parallel (zlib releases the GIL),
each band ending on a byte boundary (a sync flush), and the bands joined into one zlib stream
whose Adler-32 is combined from the bands'. The PDF is written directly (a dozen objects);
reportlab and Pillow would each copy and re-compress the image, and Pillow's PDF writer stores
greyscale as lossy JPEG.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from drivers.base import FilmSheet

POINTS_PER_INCH = 72
LEVEL = 1
"""zlib level: 1 is several times faster than the default 6 and within ~10 % of its size here."""
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_BAND_BYTES = 2 << 20  # bands of about 2 MB: enough to keep both cores busy on one sheet
_POOL: ThreadPoolExecutor | None = None


def page_size_points(sheet: FilmSheet) -> tuple[float, float]:
    """The sheet's physical (width, height) in PDF points: pixels / dpi inches."""
    rows, columns = sheet.pixels.shape
    return columns * POINTS_PER_INCH / sheet.dpi, rows * POINTS_PER_INCH / sheet.dpi


def _check(sheet: FilmSheet, index: int) -> None:
    pixels = sheet.pixels
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise ValueError(
            f"sheet {index}: pixels must be a 2-D uint8 array, got {pixels.dtype} {pixels.shape}"
        )
    if min(pixels.shape) == 0:
        raise ValueError(f"sheet {index}: empty pixel array {pixels.shape}")
    if sheet.dpi <= 0:
        raise ValueError(f"sheet {index}: dpi must be positive, got {sheet.dpi}")


# --- the shared payload: PNG "Up"-filtered rows, deflated in parallel bands ---------------


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="deflate")
    return _POOL


def _band(pixels: np.ndarray, start: int, stop: int, last: bool) -> tuple[bytes, int, int]:
    """Rows start..stop filtered "Up" and raw-deflated; with the band's Adler-32 and length."""
    rows = pixels[start:stop]
    filtered = np.empty((stop - start, pixels.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # PNG filter type 2: Up
    if start == 0:
        filtered[0, 1:] = rows[0]
        np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    else:
        np.subtract(rows, pixels[start - 1 : stop - 1], out=filtered[:, 1:])
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    data = deflate.compress(filtered.data) + deflate.flush(
        zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
    )
    return data, zlib.adler32(filtered.data), filtered.size


def _adler32_combine(first: int, second: int, second_length: int) -> int:
    """Adler-32 of A+B from those of A and B (zlib's adler32_combine)."""
    base = 65521
    rem = second_length % base
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 += (second & 0xFFFF) + base - 1
    sum2 += ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + base - rem
    sum1 = sum1 - base if sum1 >= base else sum1
    sum1 = sum1 - base if sum1 >= base else sum1
    sum2 = sum2 - (base << 1) if sum2 >= (base << 1) else sum2
    sum2 = sum2 - base if sum2 >= base else sum2
    return sum1 | (sum2 << 16)


def flate_rows(pixels: np.ndarray) -> bytes:
    """A zlib stream of the rows, each prefixed with PNG filter type 2 (Up)."""
    pixels = np.ascontiguousarray(pixels)
    rows, columns = pixels.shape
    per_band = max(1, _BAND_BYTES // (columns + 1))
    starts = list(range(0, rows, per_band))
    jobs = [(s, min(s + per_band, rows), s + per_band >= rows) for s in starts]
    if len(jobs) == 1 or _WORKERS == 1:
        bands = [_band(pixels, *job) for job in jobs]
    else:
        bands = list(_pool().map(lambda job: _band(pixels, *job), jobs))
    adler = 1
    for _data, band_adler, length in bands:
        adler = _adler32_combine(adler, band_adler, length)
    return b"\x78\x01" + b"".join(data for data, _a, _n in bands) + struct.pack(">I", adler)


# --- PNG ----------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixels_to_png(pixels: np.ndarray, dpi: int | None = None) -> bytes:
    """An 8-bit greyscale PNG of ``pixels`` (with its dpi, when given), losslessly.

    Raises:
        ValueError: not a non-empty 2-D uint8 array, or a dpi that is not positive.
    """
    _check(FilmSheet(pixels, "", dpi or 1), 0)
    rows, columns = pixels.shape
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", columns, rows, 8, 0, 0, 0, 0))
    physical = b""
    if dpi:
        per_metre = round(dpi / 0.0254)
        physical = _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + physical
        + _chunk(b"IDAT", flate_rows(pixels))
        + _chunk(b"IEND", b"")
    )


def sheet_to_png(sheet: FilmSheet) -> bytes:
    """One sheet as a PNG that says its dpi."""
    return pixels_to_png(sheet.pixels, sheet.dpi)


# --- PDF ----------------------------------------------------------------------------------


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _text_string(text: str) -> bytes:
    """A PDF text string: literal when ASCII, else UTF-16BE with a byte order mark."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})".encode("ascii")
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def sheets_to_pdf(sheets: Sequence[FilmSheet], title: str = "") -> bytes:
    """Render sheets as a PDF, one page per sheet, losslessly.

    Args:
        sheets: at least one sheet; each ``pixels`` a 2-D ``uint8`` array.
        title: document title stored in the PDF's metadata (may be empty).

    Returns:
        The PDF file's bytes (the same sheets always give the same bytes).

    Raises:
        ValueError: no sheets, or a sheet that is not 2-D 8-bit with a positive dpi.
    """
    if not sheets:
        raise ValueError("no sheets to render")
    for index, sheet in enumerate(sheets):
        _check(sheet, index)

    objects: list[bytes] = []  # object n is objects[n - 1]
    page_ids = [4 + 3 * i for i in range(len(sheets))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{n} 0 R" for n in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(sheets)} >>".encode("ascii"))
    objects.append(
        b"<< /Title " + _text_string(title) + b" /Creator (film-kiosk) /Producer (film-kiosk) >>"
    )
    for page_id, sheet in zip(page_ids, sheets, strict=True):
        width, height = (_number(v) for v in page_size_points(sheet))
        rows, columns = sheet.pixels.shape
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /XObject << /Im0 {page_id + 2} 0 R >> >> "
            f"/Contents {page_id + 1} 0 R >>".encode("ascii")
        )
        content = f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode("ascii")
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode("ascii") + content + b"\nendstream"
        )
        payload = flate_rows(sheet.pixels)
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {columns} /Height {rows} "
            f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter [/FlateDecode] "
            f"/DecodeParms [<< /Predictor 15 /Colors 1 /BitsPerComponent 8 "
            f"/Columns {columns} >>] /Length {len(payload)} >>\nstream\n".encode("ascii")
            + payload
            + b"\nendstream"
        )

    parts = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offsets = []
    position = len(parts[0])
    for number, body in enumerate(objects, 1):
        offsets.append(position)
        chunk = f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
        parts.append(chunk)
        position += len(chunk)
    xref = [f"xref\n0 {len(objects) + 1}\n".encode("ascii"), b"0000000000 65535 f \n"]
    xref.extend(f"{offset:010d} 00000 n \n".encode("ascii") for offset in offsets)
    parts.extend(xref)
    parts.append(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 3 0 R >>\n"
        f"startxref\n{position}\n%%EOF\n".encode("ascii")
    )
    return b"".join(parts)
