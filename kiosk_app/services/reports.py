"""Reports as printable PDFs: an Encapsulated PDF as the cloud holds it, or a Structured Report
(Basic Text, Enhanced, Comprehensive) rendered by the kiosk into a readable A4 page.

The rendered page has the hospital's header, the patient and exam lines, every section of the
SR's content tree (findings, impression...) in document order, and the verification line. Text
is drawn with embedded subsets of DejaVu Sans (Latin) and Droid Sans Fallback (Chinese), each
character with the first font that has it, so Chinese reports print correctly on any printer.
No other font is even named: ReportLab starts each page in Helvetica unless told otherwise, and
a printer without it would substitute its own (``tests/unit/test_pdf_fonts.py`` runs pdffonts).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from pydicom import Dataset
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer

from kiosk_app.core.errors import BadStudyDataError

log = logging.getLogger(__name__)

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
RENDERABLE_SR = frozenset({BASIC_TEXT_SR, ENHANCED_SR, COMPREHENSIVE_SR})

LATIN_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LATIN_BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CJK_FONT_PATH = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
_LATIN, _BOLD, _CJK = "KioskLatin", "KioskLatinBold", "KioskCJK"


def is_renderable_sr(sop_class_uid: str) -> bool:
    return sop_class_uid in RENDERABLE_SR


# --------------------------------------------------------------------------- reading the SR


@dataclass
class Section:
    """A heading (a CONTAINER's concept name) and the lines under it."""

    heading: str
    lines: list[str] = field(default_factory=list)


def _meaning(item: Dataset, keyword: str = "ConceptNameCodeSequence") -> str:
    seq = item.get(keyword)
    if not seq:
        return ""
    return str(seq[0].get("CodeMeaning", "") or "")


def person_name(value: object) -> str:
    """The ideographic form when present (Chinese names), else the alphabetic one, readable."""
    if value is None:
        return ""
    ideographic = str(getattr(value, "ideographic", "") or "")
    if ideographic:
        return ideographic.replace("^", "")
    alphabetic = str(getattr(value, "alphabetic", "") or value)
    return " ".join(p for p in alphabetic.split("^") if p)


def _dicom_date(text: str) -> str:
    text = (text or "").strip()
    if len(text) >= 8 and text[:8].isdigit():
        out = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        if len(text) >= 12 and text[8:12].isdigit():
            out += f" {text[8:10]}:{text[10:12]}"
        return out
    return text


def _value(item: Dataset) -> str:
    kind = str(item.get("ValueType", ""))
    if kind == "TEXT":
        return str(item.get("TextValue", "") or "")
    if kind == "CODE":
        return _meaning(item, "ConceptCodeSequence")
    if kind == "NUM":
        seq = item.get("MeasuredValueSequence")
        if not seq:
            return ""
        number = str(seq[0].get("NumericValue", ""))
        unit_seq = seq[0].get("MeasurementUnitsCodeSequence")
        unit = str(unit_seq[0].get("CodeValue", "")) if unit_seq else ""
        return f"{number} {unit}".strip() if unit not in ("1", "{ratio}") else number
    if kind in ("DATETIME", "DATE", "TIME"):
        return _dicom_date(str(item.get(kind.title() if kind != "DATETIME" else "DateTime", "")))
    if kind == "PNAME":
        return person_name(item.get("PersonName"))
    if kind == "UIDREF":
        return str(item.get("UIDReference", ""))
    return ""  # IMAGE, COMPOSITE, SCOORD...: references, not words a patient reads


def sections_of(ds: Dataset) -> list[Section]:
    """The SR's content tree as headed sections, in document order."""
    sections: list[Section] = []
    loose = Section("")

    def walk(items: Iterable[Dataset], current: Section) -> None:
        for item in items:
            kind = str(item.get("ValueType", ""))
            name = _meaning(item)
            if kind == "CONTAINER":
                section = Section(name)
                sections.append(section)
                walk(item.get("ContentSequence") or [], section)
                continue
            value = _value(item)
            if value:
                target = current
                # A lone TEXT named Findings/Impression directly under the root gets a heading
                # of its own, as a radiologist would write it.
                if current is loose and name and kind == "TEXT":
                    target = Section(name)
                    sections.append(target)
                    target.lines.append(value)
                elif name and name != current.heading and kind != "TEXT":
                    target.lines.append(f"{name}: {value}")
                else:
                    target.lines.append(value)
            walk(item.get("ContentSequence") or [], current)

    walk(ds.get("ContentSequence") or [], loose)
    if loose.lines:
        sections.insert(0, loose)
    return [s for s in sections if s.lines]


# --------------------------------------------------------------------------- drawing


def _register_fonts() -> tuple[dict[int, int], dict[int, int]]:
    for name, path in ((_LATIN, LATIN_FONT_PATH), (_BOLD, LATIN_BOLD_PATH), (_CJK, CJK_FONT_PATH)):
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        if not path.is_file():
            raise BadStudyDataError(
                detail=f"font {path} is missing (Debian: fonts-dejavu-core, fonts-droid-fallback)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    latin = pdfmetrics.getFont(_LATIN).face.charToGlyph
    cjk = pdfmetrics.getFont(_CJK).face.charToGlyph
    return latin, cjk


def markup(text: str, latin_font: str = _LATIN) -> str:
    """Paragraph markup drawing each character with the first font that has it."""
    latin, cjk = _register_fonts()
    runs: list[tuple[str, str]] = []
    for ch in text:
        if ch == "\n":
            font, ch = latin_font, "\n"
        elif ord(ch) in latin:
            font = latin_font
        elif ord(ch) in cjk:
            font = _CJK
        else:
            font, ch = latin_font, "?"
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return "".join(
        f'<font name="{font}">{escape(run).replace(chr(10), "<br/>")}</font>' for font, run in runs
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=_LATIN, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "body": base,
        "hospital": ParagraphStyle(
            "hospital", parent=base, fontSize=18, leading=26, alignment=TA_CENTER
        ),
        "title": ParagraphStyle("title", parent=base, fontSize=14, leading=22, alignment=TA_CENTER),
        "line": ParagraphStyle("line", parent=base, fontSize=10.5, leading=16),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=_BOLD, fontSize=12, leading=20, spaceBefore=8
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13),
    }


def _flag_text(ds: Dataset) -> str:
    completion = str(ds.get("CompletionFlag", "")).upper()
    verification = str(ds.get("VerificationFlag", "")).upper()
    if completion == "COMPLETE" and verification == "VERIFIED":
        return "已审核 Verified"
    return "初步报告，未审核 Preliminary, not verified"


def render_sr(ds: Dataset, *, hospital_name: str = "") -> bytes:
    """A Basic Text / Enhanced / Comprehensive SR as an A4 PDF (bytes)."""
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class not in RENDERABLE_SR:
        raise BadStudyDataError(detail=f"structured report class {sop_class} is not rendered")
    sections = sections_of(ds)
    if not sections:
        raise BadStudyDataError(detail="structured report has no text")
    st = _styles()

    def para(text: str, style: str, font: str = _LATIN) -> Paragraph:
        return Paragraph(markup(text, font), st[style])

    title = _meaning(ds) or "Imaging report"
    patient = " 　".join(
        part
        for part in (
            f"姓名 Name: {person_name(ds.get('PatientName'))}",
            f"性别 Sex: {ds.get('PatientSex', '') or '-'}",
            f"出生日期 Born: {_dicom_date(str(ds.get('PatientBirthDate', ''))) or '-'}",
            f"患者编号 Patient ID: {ds.get('PatientID', '')}",
        )
    )
    exam = " 　".join(
        (
            f"检查号 Accession: {ds.get('AccessionNumber', '') or '-'}",
            f"检查日期 Date: {_dicom_date(str(ds.get('StudyDate', ''))) or '-'}",
            f"检查项目 Exam: {ds.get('StudyDescription', '') or '-'}",
        )
    )
    story: list[object] = []
    if hospital_name:
        story.append(para(hospital_name, "hospital"))
    story += [
        para(f"影像检查报告 {title}", "title"),
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=0.8),
        para(patient, "line"),
        para(exam, "line"),
        HRFlowable(width="100%", thickness=0.8),
    ]
    for section in sections:
        if section.heading:
            story.append(para(section.heading, "heading", _BOLD))
        story.extend(para(line, "body") for line in section.lines)
    story.append(Spacer(1, 8 * mm))
    story.append(HRFlowable(width="100%", thickness=0.5))
    verifier = ""
    verifiers = ds.get("VerifyingObserverSequence")
    if verifiers:
        verifier = person_name(verifiers[0].get("VerifyingObserverName"))
        when = _dicom_date(str(verifiers[0].get("VerificationDateTime", "")))
        verifier = f"审核医师 Verified by: {verifier}  {when}".rstrip()
    footer = "  ".join(p for p in (_flag_text(ds), verifier) if p)
    story.append(para(footer, "small"))
    content = _dicom_date(str(ds.get("ContentDate", "")) + str(ds.get("ContentTime", "")))
    if content:
        story.append(para(f"报告时间 Report written: {content}", "small"))

    def page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(_LATIN, 8)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(  # initialFontName: else every page names (not embeds) Helvetica
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=hospital_name,
        invariant=True,
        initialFontName=_LATIN,
    )
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
