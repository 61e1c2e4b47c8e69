"""Every font in a PDF the kiosk makes itself is embedded, as ``pdffonts`` (poppler) sees it.

A printer, a RIP or a PDF viewer on another machine must draw the report exactly as the kiosk
laid it out: a font that is only named (ReportLab's default Helvetica, a table cell's default
font) is replaced by whatever the far end has, with other widths, and Chinese text may vanish.
The PDFs: structured reports rendered by :mod:`kiosk_app.services.reports` (one page and
several, every SR class), film sheets (:mod:`drivers.printer.sheet_pdf`, what ``kiosk film -o
X.pdf`` and the CUPS film printer send), and the demo archive's reports as committed (files and
Encapsulated PDF instances) and as its builder makes them now.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pydicom
import pytest

from drivers.base import FilmSheet
from drivers.printer.sheet_pdf import sheets_to_pdf
from kiosk_app.services import reports
from tests.helpers.sr_builders import BASIC_TEXT_SR, COMPREHENSIVE_SR, ENHANCED_SR, make_sr

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"

pytestmark = pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="pdffonts (Debian poppler-utils) is not installed"
)


@dataclass(frozen=True)
class FontRow:
    """One row of ``pdffonts``: the font's name, type and whether it is embedded."""

    name: str
    kind: str
    embedded: bool


def pdffonts(pdf: bytes, tmp_path: Path, stem: str = "doc") -> list[FontRow]:
    """The fonts of ``pdf`` as pdffonts lists them (columns cut where its header's dashes are)."""
    path = tmp_path / f"{stem}.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr
    header, dashes, *rows = run.stdout.splitlines()
    spans, start = [], 0
    for group in dashes.split(" "):
        spans.append((start, start + len(group)))
        start += len(group) + 1
    columns = [header[a:b].strip() for a, b in spans]
    out = []
    for row in rows:
        cells = dict(zip(columns, (row[a:b].strip() for a, b in spans), strict=True))
        assert cells["emb"] in ("yes", "no"), row
        out.append(FontRow(cells["name"], cells["type"], cells["emb"] == "yes"))
    return out


def not_embedded(rows: list[FontRow]) -> list[str]:
    return [f"{r.name} ({r.kind})" for r in rows if not r.embedded]


def _demo_builder() -> ModuleType:
    name = "assets_demo_build_demo"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DEMO / "build_demo.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_pdffonts_is_read_right_and_names_a_font_that_is_not_embedded(tmp_path: Path) -> None:
    """The parser itself, on a PDF that only names Helvetica (what the kiosk made before)."""
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "helvetica.pdf"
    canvas = Canvas(str(path))
    canvas.drawString(72, 72, "Helvetica, named and not embedded")
    canvas.save()
    rows = pdffonts(path.read_bytes(), tmp_path, "again")
    assert not_embedded(rows) == ["Helvetica (Type 1)"]


@pytest.mark.parametrize("sop_class", [BASIC_TEXT_SR, ENHANCED_SR, COMPREHENSIVE_SR])
@pytest.mark.parametrize("pages", [1, 3])
def test_a_rendered_structured_report_embeds_every_font(
    sop_class: str, pages: int, tmp_path: Path
) -> None:
    findings = "双肺纹理清晰，未见明确结节。Lungs clear, no nodule. " * (1 if pages == 1 else 90)
    ds = make_sr(
        patient_id="P0001",
        patient_name="Wang^Fang=王^芳",
        accession="ACC0001",
        study_uid="1.2.3",
        findings=findings,
        impression="未见明显异常。No abnormality.",
        sop_class_uid=sop_class,
        measurement=("Long axis", 12.5, "mm"),
    )
    pdf = reports.render_sr(ds, hospital_name="示例人民医院")
    rows = pdffonts(pdf, tmp_path)
    assert not_embedded(rows) == []
    families = {r.name.rpartition("+")[2] for r in rows}  # subsets are named ABCDEF+Family
    assert families == {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}


def test_film_sheet_pdfs_embed_every_font(tmp_path: Path) -> None:
    sheets = [
        FilmSheet(np.full((170, 140), 30, np.uint8), "14INX17IN", 10),
        FilmSheet(np.full((140, 170), 200, np.uint8), "14INX17IN", 10, portrait=False),
    ]
    assert not_embedded(pdffonts(sheets_to_pdf(sheets, title="ACC-1 胶片"), tmp_path)) == []


@pytest.mark.parametrize("stem", ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004"])
def test_the_demo_archives_reports_embed_every_font(stem: str, tmp_path: Path) -> None:
    committed = (DEMO / "reports" / f"{stem}.pdf").read_bytes()
    instance = pydicom.dcmread(DEMO / "archive" / f"{stem}_DOC.dcm")
    encapsulated = bytes(instance.EncapsulatedDocument)[: instance.EncapsulatedDocumentLength]
    exam = next(e for e in _demo_builder().EXAMS if e.accession == stem)
    built = _demo_builder().render_report_pdf(exam)
    for name, pdf in (("file", committed), ("instance", encapsulated), ("built", built)):
        rows = pdffonts(pdf, tmp_path, name)
        assert rows, f"{stem} {name}: no fonts at all?"
        assert not_embedded(rows) == [], f"{stem} {name}"
