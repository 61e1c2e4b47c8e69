"""What a nurse's test print sends: a one-page PDF for the paper printer, a grey wedge film."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from drivers.base import DocumentPrinter, FilmPrinter, FilmSheet, Printer

TITLE = "kiosk test print"
FILM_SIZE, FILM_DPI = "8INX10IN", 50


def test_page_pdf(line: str) -> bytes:
    """A valid one-page A4 PDF saying ``line`` (Latin-1) in Helvetica."""
    text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 24 Tf 72 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def wedge_sheet() -> FilmSheet:
    """An 8x10 in film at 50 dpi: eleven grey steps from black to white."""
    rows, columns = 10 * FILM_DPI, 8 * FILM_DPI
    steps = np.linspace(0, 255, 11).astype(np.uint8)
    band = np.repeat(steps, -(-columns // len(steps)))[:columns]
    return FilmSheet(np.tile(band, (rows, 1)), FILM_SIZE, FILM_DPI)


def send_test_print(printer: Printer, kiosk_id: str, staff: str) -> str:
    """Send the test print to ``printer``; returns the printer's job id."""
    if isinstance(printer, DocumentPrinter):
        when = datetime.now().strftime("%Y-%m-%d %H:%M")
        return printer.submit_pdf(test_page_pdf(f"{kiosk_id} test print {when} by {staff}"), TITLE)
    if isinstance(printer, FilmPrinter):
        return printer.submit_sheets([wedge_sheet()], TITLE)
    raise TypeError(f"cannot test-print on {printer!r}")
