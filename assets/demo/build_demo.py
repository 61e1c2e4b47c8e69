"""Build the kiosk's embedded demo archive: made-up patients, DICOM studies and PDF reports.

Run by developers, not by the kiosk::

    .venv/bin/python assets/demo/build_demo.py            # rewrite assets/demo/{archive,reports}
    .venv/bin/python assets/demo/build_demo.py OUT_DIR    # write OUT_DIR/{archive,reports}

The output is deterministic: UIDs are uuid5 names under ``2.25``, dates are fixed, the PDFs are
built in ReportLab's invariant mode without compression, and the DICOM file meta names this
builder rather than the pydicom version. The same inputs give byte-identical files, which
``tests/unit/test_demo_archive.py`` checks.

Inputs: pydicom's bundled ``CT_small.dcm`` and ``MR_small.dcm`` (MIT), the CR image in
``sources/`` (derived from pydicom-data's ``RG3_J2KI.dcm``, MIT; see ``--refresh-cr-source``),
and two system fonts (Droid Sans Fallback for Chinese, DejaVu Sans for Latin text).
See README.md next to this file for what the archive holds and what the kiosk should do with it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pydicom
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    ComputedRadiographyImageStorage,
    CTImageStorage,
    EncapsulatedPDFStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
)
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

HERE = Path(__file__).resolve().parent

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
LATIN_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK_FONT = "DemoCJK"
LATIN_FONT = "DemoLatin"

# The CR image: NEMA WG04 "RG3" (right lower leg, AP), JPEG 2000 lossy 30:1, 1760x1760, 10 bit,
# from pydicom/pydicom-data (MIT), data_store/data/RG3_J2KI.dcm. It is decoded once and
# averaged down 4x4 into a 16-bit PNG kept in the repository, so building the demo needs neither
# the original file nor a JPEG 2000 decoder, and the result does not depend on the decoder's
# floating-point rounding.
CR_SOURCE_PNG = HERE / "sources" / "RG3_CR_lower_leg_440.png"
CR_SOURCE_SHA256 = "c90c915c0c373eb6d244151f9476b05e50623c303ac20334ca9ce4aab0dddf19"
CR_DOWNSAMPLE = 4

UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:film-kiosk:demo-archive:v1")
IMPLEMENTATION_VERSION_NAME = "KIOSK_DEMO_1"
TIMEZONE_OFFSET = "+0800"

HOSPITAL_ZH = "示例人民医院"
HOSPITAL_EN = "Demo People's Hospital"
DEMO_NOTICE = "DEMO — not a real patient"
DEMO_NOTICE_ZH = "演示数据，非真实患者"

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK_CHARS = "10X98765432"

# LOINC 18748-4, as DICOM's CID 7000 names it.
REPORT_CONCEPT = ("18748-4", "LN", "Diagnostic Imaging Report")


def demo_uid(name: str) -> UID:
    """A fixed UID for `name`: ``2.25.<uuid5 as an integer>`` (PS3.5 B.2)."""
    return UID(f"2.25.{uuid.uuid5(UID_NAMESPACE, name).int}")


def gb11643_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (GB 11643-1999) for its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK_CHARS[total % 11]


# --- what the archive holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Patient:
    patient_id: str
    name_zh: str
    name_latin: str
    sex: str  # "M" or "F"
    birth_date: str  # YYYYMMDD
    region: str  # 6-digit administrative division code
    sequence: str  # 3-digit order code; odd for men, even for women

    @property
    def national_id(self) -> str:
        first17 = self.region + self.birth_date + self.sequence
        return first17 + gb11643_check_digit(first17)

    @property
    def sex_zh(self) -> str:
        return {"M": "男", "F": "女"}[self.sex]


@dataclass(frozen=True)
class Report:
    findings: str
    impression: str
    english: str
    radiologist_zh: str
    radiologist_en: str
    content_datetime: str  # YYYYMMDDHHMMSS, when the text was written
    verifier_zh: str = ""
    verifier_en: str = ""
    verified_datetime: str = ""  # empty for a report that is not final
    expected_datetime: str = ""  # when a final report is expected; only for a non-final one

    @property
    def final(self) -> bool:
        return bool(self.verified_datetime)


@dataclass(frozen=True)
class Exam:
    accession: str
    patient: Patient
    modality: str
    body_part: str  # DICOM Body Part Examined defined term
    body_part_zh: str
    description_zh: str
    study_date: str
    study_time: str
    image_source: str  # "CT_small.dcm", "MR_small.dcm" or "CR"
    shifts: tuple[tuple[int, int], ...]  # one (rows, columns) shift per image
    report: Report

    @property
    def age(self) -> int:
        born, seen = self.patient.birth_date, self.study_date
        return int(seen[:4]) - int(born[:4]) - (seen[4:] < born[4:])


ZHANG_SAN = Patient("DP0001", "张三", "ZHANG San", "M", "19680315", "110101", "031")
LI_XIAOMEI = Patient("DP0002", "李晓梅", "LI Xiaomei", "F", "19851102", "310104", "026")
WANG_HAORAN = Patient("DP0003", "王浩然", "WANG Haoran", "M", "20080309", "440106", "017")
PATIENTS = (ZHANG_SAN, LI_XIAOMEI, WANG_HAORAN)

EXAMS = (
    Exam(
        accession="DEMO0001",
        patient=ZHANG_SAN,
        modality="CT",
        body_part="LSPINE",
        body_part_zh="腰椎",
        description_zh="腰椎CT增强扫描",
        study_date="20240520",
        study_time="091200",
        image_source="CT_small.dcm",
        shifts=((-10, -3), (-6, -2), (-2, -1), (2, 0), (6, 1), (10, 2)),
        report=Report(
            findings=(
                "腰椎序列连续，生理曲度存在。所示椎体骨质未见明确破坏及骨折征象，椎体边缘"
                "轻度骨质增生。椎管未见明显狭窄，硬膜囊未见明显受压。增强扫描腹主动脉强化"
                "均匀，管腔未见明显狭窄或扩张。椎旁软组织未见明确肿块。"
            ),
            impression="1. 腰椎轻度退行性变。2. 腹主动脉未见明显异常。",
            english=(
                "Impression: mild degenerative change of the lumbar spine; "
                "no fracture or bone destruction."
            ),
            radiologist_zh="刘伟",
            radiologist_en="LIU Wei",
            content_datetime="20240520114000",
            verifier_zh="陈静",
            verifier_en="CHEN Jing",
            verified_datetime="20240520140500",
        ),
    ),
    Exam(
        accession="DEMO0002",
        patient=LI_XIAOMEI,
        modality="MR",
        body_part="HEAD",
        body_part_zh="头颅",
        description_zh="头颅MR平扫",
        study_date="20240520",
        study_time="100500",
        image_source="MR_small.dcm",
        shifts=((0, 4), (3, 0), (6, -4)),
        report=Report(
            findings=(
                "左侧额叶皮层下见一小斑点状T2WI高信号影，直径约3 mm，边界清楚。其余脑实质"
                "未见异常信号。脑室系统未见扩大，中线结构居中。"
            ),
            impression="左侧额叶皮层下小斑点状异常信号，考虑缺血灶可能，待上级医师审核。",
            english=(
                "Preliminary impression: small T2 hyperintense focus in the left frontal "
                "subcortical white matter; pending verification."
            ),
            radiologist_zh="赵磊",
            radiologist_en="ZHAO Lei",
            content_datetime="20240520153000",
            expected_datetime="20240521160000",
        ),
    ),
    Exam(
        accession="DEMO0003",
        patient=WANG_HAORAN,
        modality="CR",
        body_part="LEG",
        body_part_zh="右胫腓骨",
        description_zh="右胫腓骨正位X线摄影",
        study_date="20240519",
        study_time="084500",
        image_source="CR",
        shifts=((0, 0),),
        report=Report(
            findings=(
                "右侧胫骨远端干骺端皮质下见一椭圆形偏心性透亮区，大小约2.1 cm×1.2 cm，边缘"
                "清晰，周围见薄层硬化边，局部皮质略变薄，未见骨膜反应及软组织肿块。右侧腓骨"
                "及踝关节未见明显异常。"
            ),
            impression="右胫骨远端偏心性透亮病变，考虑非骨化性纤维瘤，建议定期复查。",
            english=(
                "Impression: well-defined eccentric lucent lesion of the distal right tibia, "
                "most consistent with a non-ossifying fibroma."
            ),
            radiologist_zh="孙强",
            radiologist_en="SUN Qiang",
            content_datetime="20240519101000",
            verifier_zh="陈静",
            verifier_en="CHEN Jing",
            verified_datetime="20240519104000",
        ),
    ),
    Exam(
        accession="DEMO0004",
        patient=ZHANG_SAN,
        modality="MR",
        body_part="HEAD",
        body_part_zh="头颅",
        description_zh="头颅MR平扫",
        study_date="20231102",
        study_time="103000",
        image_source="MR_small.dcm",
        shifts=((-4, 0), (0, 0), (4, 0)),
        report=Report(
            findings=(
                "双侧大脑半球对称，脑实质内未见明确异常信号影。脑室系统未见扩大，脑沟、脑裂"
                "未见增宽，中线结构居中。小脑及脑干未见异常。"
            ),
            impression="颅脑MR平扫未见明显异常。",
            english="Impression: unremarkable plain MRI of the brain.",
            radiologist_zh="刘伟",
            radiologist_en="LIU Wei",
            content_datetime="20231102162000",
            verifier_zh="陈静",
            verifier_en="CHEN Jing",
            verified_datetime="20231102170500",
        ),
    ),
)


# --- report PDFs ------------------------------------------------------------------------------


def _register_fonts() -> tuple[dict[int, int], dict[int, int]]:
    for name, path in ((CJK_FONT, CJK_FONT_PATH), (LATIN_FONT, LATIN_FONT_PATH)):
        if not path.is_file():
            raise FileNotFoundError(
                f"font {path} is missing (Debian: fonts-droid-fallback, fonts-dejavu-core)"
            )
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    cjk = pdfmetrics.getFont(CJK_FONT).face.charToGlyph
    latin = pdfmetrics.getFont(LATIN_FONT).face.charToGlyph
    return cjk, latin


def _markup(text: str) -> str:
    """Paragraph markup drawing each character with a font that has it (Latin first)."""
    cjk, latin = _register_fonts()
    runs: list[tuple[str, str]] = []
    for ch in text:
        if ord(ch) in latin:
            font = LATIN_FONT
        elif ord(ch) in cjk:
            font = CJK_FONT
        else:
            raise ValueError(f"no font has {ch!r} (U+{ord(ch):04X})")
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return "".join(f'<font name="{font}">{escape(run)}</font>' for font, run in runs)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=LATIN_FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "body": base,
        "english": ParagraphStyle("english", parent=base, wordWrap=None),
        "hospital": ParagraphStyle(
            "hospital", parent=base, fontSize=20, leading=26, alignment=TA_CENTER
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=11, leading=15, alignment=TA_CENTER
        ),
        "title": ParagraphStyle("title", parent=base, fontSize=15, leading=22, alignment=TA_CENTER),
        "warning": ParagraphStyle(
            "warning",
            parent=base,
            fontSize=12,
            leading=18,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#B00020"),
        ),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12.5, leading=20, spaceBefore=8),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=14),
    }


def _fmt_date(da: str) -> str:
    return f"{da[:4]}-{da[4:6]}-{da[6:8]}"


def _fmt_datetime(dt: str) -> str:
    return f"{_fmt_date(dt[:8])} {dt[8:10]}:{dt[10:12]}"


def _draw_page_furniture(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.85, 0.85, 0.85))
    canvas.setFont(LATIN_FONT, 96)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, 0, "DEMO")
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.35, 0.35, 0.35))
    canvas.setFont(LATIN_FONT, 8.5)
    canvas.drawString(doc.leftMargin, 12 * mm, DEMO_NOTICE)
    canvas.setFont(CJK_FONT, 8.5)
    canvas.drawRightString(A4[0] - doc.rightMargin, 12 * mm, DEMO_NOTICE_ZH)
    canvas.restoreState()


# A table sets its cells' font (ReportLab's default: Helvetica, named in the PDF and not
# embedded) even when every cell is a Paragraph with its own: name the embedded one instead.
_CELL_STYLE = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), LATIN_FONT)]


def render_report_pdf(exam: Exam) -> bytes:
    """The A4 report of `exam` as PDF bytes, with subset-embedded fonts and real text."""
    _register_fonts()
    s = _styles()
    p, r = exam.patient, exam.report

    def para(text: str, style: str = "body") -> Paragraph:
        return Paragraph(_markup(text), s[style])

    def cells(*texts: str) -> list[Paragraph]:
        return [para(t, "cell") for t in texts]

    story: list[Any] = [
        para(HOSPITAL_ZH, "hospital"),
        para(HOSPITAL_EN, "subtitle"),
        Spacer(1, 3 * mm),
        para("医学影像诊断报告  Imaging Diagnostic Report", "title"),
    ]
    if not r.final:
        story.append(para("初步报告（未审核）  PRELIMINARY — not verified", "warning"))
    story += [Spacer(1, 2 * mm), HRFlowable(width="100%", thickness=0.8, color=colors.black)]
    table = Table(
        [
            cells(
                f"姓名：{p.name_zh}",
                f"性别：{p.sex_zh}",
                f"年龄：{exam.age}岁",
                f"患者ID：{p.patient_id}",
            ),
            cells(
                f"检查类型：{exam.modality}",
                f"检查部位：{exam.body_part_zh}",
                f"检查号：{exam.accession}",
                f"检查日期：{_fmt_date(exam.study_date)}",
            ),
            [para(f"检查项目：{exam.description_zh}", "cell"), "", "", ""],
        ],
        colWidths=[40 * mm, 42 * mm, 42 * mm, 46 * mm],
    )
    table.setStyle(TableStyle([("SPAN", (0, 2), (-1, 2)), *_CELL_STYLE]))
    story += [
        table,
        HRFlowable(width="100%", thickness=0.8, color=colors.black, spaceAfter=2 * mm),
        para("检查所见", "heading"),
        para(r.findings),
        para("诊断意见", "heading"),
        para(r.impression),
        Spacer(1, 3 * mm),
        para(r.english, "english"),
        Spacer(1, 8 * mm),
        HRFlowable(width="100%", thickness=0.5, color=colors.grey, spaceAfter=2 * mm),
    ]
    signed = [
        cells(
            f"报告医师 Radiologist：{r.radiologist_zh} ({r.radiologist_en})",
            f"报告时间 Reported：{_fmt_datetime(r.content_datetime)}",
        )
    ]
    if r.final:
        signed.append(
            cells(
                f"审核医师 Verified by：{r.verifier_zh} ({r.verifier_en})",
                f"审核时间 Verified：{_fmt_datetime(r.verified_datetime)}",
            )
        )
    else:
        signed.append(
            cells(
                "审核医师 Verified by：待审核 (pending)",
                f"正式报告预计 Expected：{_fmt_datetime(r.expected_datetime)}",
            )
        )
    story += [
        Table(signed, colWidths=[78 * mm, 92 * mm], style=_CELL_STYLE),
        Spacer(1, 6 * mm),
        para(f"{DEMO_NOTICE}. {DEMO_NOTICE_ZH}，本报告仅供演示。"),
    ]

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=22 * mm,
        title=f"{HOSPITAL_EN} report {exam.accession}",
        author=f"{r.radiologist_en}, {HOSPITAL_EN}",
        subject=f"{exam.modality} {exam.body_part} {exam.accession} (DEMO)",
        creator="film-kiosk assets/demo/build_demo.py",
        invariant=1,
        initialFontName=LATIN_FONT,
        # Compressed streams would depend on the zlib build; plain ones keep rebuilds identical.
        pageCompression=0,
    )
    doc.build(story, onFirstPage=_draw_page_furniture, onLaterPages=_draw_page_furniture)
    return buf.getvalue()


def check_report_text(exam: Exam, pdf: bytes) -> None:
    """Fail unless the PDF's extractable text holds the report's Chinese and English parts."""
    from pypdf import PdfReader  # a test/dev dependency, needed only to build

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    squeezed = re.sub(r"\s+", "", text)
    expected = (
        HOSPITAL_ZH,
        HOSPITAL_EN,
        exam.patient.name_zh,
        exam.patient.patient_id,
        exam.accession,
        exam.report.findings,
        exam.report.impression,
        exam.report.english,
        DEMO_NOTICE,
    )
    for part in expected:
        if re.sub(r"\s+", "", part) not in squeezed:
            raise AssertionError(f"{exam.accession}: PDF text lacks {part!r}")


# --- DICOM ------------------------------------------------------------------------------------


def _new_dataset(exam: Exam, sop_class: str, sop_instance: UID) -> Dataset:
    """A dataset with the SOP Common, Patient and General Study modules of `exam` filled in."""
    p = exam.patient
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_instance
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = demo_uid("implementation")
    ds.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME

    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyDate = exam.study_date
    ds.StudyTime = exam.study_time
    ds.AccessionNumber = exam.accession
    ds.Modality = exam.modality
    ds.InstitutionName = HOSPITAL_ZH
    ds.ReferringPhysicianName = ""
    ds.TimezoneOffsetFromUTC = TIMEZONE_OFFSET
    ds.StudyDescription = exam.description_zh

    ds.PatientName = p.name_zh
    ds.PatientID = p.patient_id
    ds.IssuerOfPatientID = "DEMO-HOSPITAL"
    ds.PatientBirthDate = p.birth_date
    ds.PatientSex = p.sex
    # The national ID number twice: the (retired but still common) Other Patient IDs, which the
    # kiosk reads, and its replacement, Other Patient IDs Sequence.
    ds.OtherPatientIDs = p.national_id
    other = Dataset()
    other.PatientID = p.national_id
    other.IssuerOfPatientID = "CN-RESIDENT-ID"
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = [other]
    ds.PatientAge = f"{exam.age:03d}Y"

    ds.StudyInstanceUID = demo_uid(f"{exam.accession}/study")
    ds.StudyID = exam.accession[-4:]
    return ds


def _source_dataset(name: str) -> Dataset:
    path = get_testdata_file(name, download=False)  # pydicom 3 would otherwise download
    if path is None:
        raise FileNotFoundError(f"pydicom's bundled test file {name} is missing")
    return pydicom.dcmread(path)


def _shift(pixels: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`pixels` moved by (dy, dx), edges repeated into the uncovered border."""
    py, px = abs(dy), abs(dx)
    padded = np.pad(pixels, ((py, py), (px, px)), mode="edge")
    rows, cols = pixels.shape
    return padded[py - dy : py - dy + rows, px - dx : px - dx + cols]


_COPIED = {
    "CT_small.dcm": (
        "Manufacturer",
        "ManufacturerModelName",
        "ContrastBolusAgent",
        "ContrastBolusRoute",
        "ScanOptions",
        "SliceThickness",
        "KVP",
        "SpacingBetweenSlices",
        "DataCollectionDiameter",
        "ReconstructionDiameter",
        "GantryDetectorTilt",
        "ExposureTime",
        "XRayTubeCurrent",
        "Exposure",
        "ConvolutionKernel",
        "PatientPosition",
        "AcquisitionNumber",
        "ImageOrientationPatient",
        "PositionReferenceIndicator",
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "Rows",
        "Columns",
        "PixelSpacing",
        "BitsAllocated",
        "BitsStored",
        "HighBit",
        "PixelRepresentation",
        "PixelPaddingValue",
        "RescaleIntercept",
        "RescaleSlope",
    ),
    "MR_small.dcm": (
        "Manufacturer",
        "ManufacturerModelName",
        "ScanningSequence",
        "SequenceVariant",
        "ScanOptions",
        "MRAcquisitionType",
        "SliceThickness",
        "RepetitionTime",
        "EchoTime",
        "NumberOfAverages",
        "ImagingFrequency",
        "ImagedNucleus",
        "EchoNumbers",
        "EchoTrainLength",
        "FlipAngle",
        "PatientPosition",
        "AcquisitionNumber",
        "ImageOrientationPatient",
        "PositionReferenceIndicator",
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "Rows",
        "Columns",
        "PixelSpacing",
        "BitsAllocated",
        "BitsStored",
        "HighBit",
        "PixelRepresentation",
        "WindowCenter",
        "WindowWidth",
    ),
}


def _image_instances(exam: Exam) -> list[Dataset]:
    """The image series (series number 1) of `exam`, one dataset per entry of `exam.shifts`."""
    series_uid = demo_uid(f"{exam.accession}/series/1")
    frame_of_reference = demo_uid(f"{exam.accession}/frame-of-reference/1")
    sop_class = {"CT": CTImageStorage, "MR": MRImageStorage, "CR": ComputedRadiographyImageStorage}
    if exam.image_source == "CR":
        source, pixels = None, read_cr_source()
    else:
        source = _source_dataset(exam.image_source)
        pixels = source.pixel_array
    out = []
    for index, (dy, dx) in enumerate(exam.shifts):
        number = index + 1
        ds = _new_dataset(
            exam, sop_class[exam.modality], demo_uid(f"{exam.accession}/series/1/{number}")
        )
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = 1
        ds.SeriesDate = exam.study_date
        ds.SeriesTime = exam.study_time
        ds.SeriesDescription = exam.description_zh
        ds.BodyPartExamined = exam.body_part
        ds.InstanceNumber = number
        ds.ContentDate = exam.study_date
        ds.ContentTime = exam.study_time
        ds.InstanceCreationDate = exam.study_date
        ds.InstanceCreationTime = exam.study_time
        ds.ImageType = ["DERIVED", "PRIMARY", "AXIAL"] if source else ["DERIVED", "PRIMARY"]
        if source is not None:
            for keyword in _COPIED[exam.image_source]:
                if keyword in source:
                    setattr(ds, keyword, source[keyword].value)
            ds.FrameOfReferenceUID = frame_of_reference
            step = float(source.get("SpacingBetweenSlices") or source.SliceThickness)
            x, y, z = (float(v) for v in source.ImagePositionPatient)
            z += (index - len(exam.shifts) // 2) * step
            ds.ImagePositionPatient = [f"{x:.4f}", f"{y:.4f}", f"{z:.4f}"]
            ds.SliceLocation = f"{z:.4f}"
            ds.Laterality = ""
            ds.DerivationDescription = (
                f"Demo image derived from pydicom test file {exam.image_source} (MIT), "
                f"content shifted by ({dy}, {dx}) pixels"
            )
        else:
            _set_cr_attributes(ds, pixels.shape)
        if exam.modality == "CT":
            # CT_small.dcm has no standard window; these are its GE private window (400/40)
            # and a bone window.
            ds.WindowCenter = ["40", "500"]
            ds.WindowWidth = ["400", "2000"]
            ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "BONE"]
        dtype = "<i2" if ds.PixelRepresentation == 1 else "<u2"
        ds.PixelData = _shift(pixels, dy, dx).astype(dtype).tobytes()
        ds["PixelData"].VR = "OW"
        out.append(ds)
    return out


def _set_cr_attributes(ds: Dataset, shape: tuple[int, ...]) -> None:
    ds.Manufacturer = "FUJI PHOTO FILM CO. LTD."
    ds.ManufacturerModelName = "IRS"
    ds.ViewPosition = "AP"
    ds.Laterality = "R"
    ds.PatientOrientation = ["R", "F"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.Rows, ds.Columns = shape
    ds.BitsAllocated = 16
    ds.BitsStored = 10
    ds.HighBit = 9
    ds.PixelRepresentation = 0
    ds.WindowCenter = "550"
    ds.WindowWidth = "1024"
    # The source was lossy JPEG 2000; once lossy, always flagged lossy (PS3.3 C.7.6.1.1.5).
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionRatio = "30"
    ds.LossyImageCompressionMethod = "ISO_15444_1"
    ds.DerivationDescription = (
        "Demo image derived from NEMA WG04 RG3 (pydicom-data RG3_J2KI.dcm, MIT): JPEG 2000 "
        f"lossy 30:1 decoded, averaged down {CR_DOWNSAMPLE}x{CR_DOWNSAMPLE}"
    )


def read_cr_source() -> np.ndarray:
    with Image.open(CR_SOURCE_PNG) as img:
        return np.asarray(img).astype(np.uint16)


def refresh_cr_source(rg3_path: Path) -> Path:
    """Rewrite the CR source PNG from the original ``RG3_J2KI.dcm`` (needs a J2K decoder)."""
    digest = hashlib.sha256(rg3_path.read_bytes()).hexdigest()
    if digest != CR_SOURCE_SHA256:
        raise ValueError(f"{rg3_path} is not RG3_J2KI.dcm (sha256 {digest})")
    pixels = pydicom.dcmread(rg3_path).pixel_array.astype(np.uint32)
    f = CR_DOWNSAMPLE
    rows, cols = (n - n % f for n in pixels.shape)
    blocks = pixels[:rows, :cols].reshape(rows // f, f, cols // f, f).sum(axis=(1, 3))
    small = ((blocks + f * f // 2) // (f * f)).astype(np.uint16)
    CR_SOURCE_PNG.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(small).save(CR_SOURCE_PNG, optimize=True)
    return CR_SOURCE_PNG


def _report_instance(exam: Exam, pdf: bytes) -> Dataset:
    """The report of `exam` as an Encapsulated PDF instance in its own series (number 99)."""
    r = exam.report
    ds = _new_dataset(exam, EncapsulatedPDFStorage, demo_uid(f"{exam.accession}/series/99/1"))
    ds.Modality = "DOC"
    ds.SeriesInstanceUID = demo_uid(f"{exam.accession}/series/99")
    ds.SeriesNumber = 99
    ds.SeriesDate = r.content_datetime[:8]
    ds.SeriesTime = r.content_datetime[8:]
    ds.SeriesDescription = "影像诊断报告"
    ds.Manufacturer = "film-kiosk demo"
    ds.ConversionType = "WSD"
    ds.InstanceNumber = 1
    ds.ContentDate = r.content_datetime[:8]
    ds.ContentTime = r.content_datetime[8:]
    ds.InstanceCreationDate = r.content_datetime[:8]
    ds.InstanceCreationTime = r.content_datetime[8:]
    ds.AcquisitionDateTime = ""
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = (
        f"影像诊断报告 {exam.accession}" if r.final else f"影像诊断报告（初步） {exam.accession}"
    )
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = REPORT_CONCEPT
    ds.ConceptNameCodeSequence = [concept]
    ds.NameOfPhysiciansReadingStudy = r.radiologist_zh
    if r.final:
        ds.CompletionFlag = "COMPLETE"
        ds.VerificationFlag = "VERIFIED"
        ds.PreliminaryFlag = "FINAL"
        verifier = Dataset()
        verifier.VerifyingObserverName = r.verifier_zh
        verifier.VerifyingObserverIdentificationCodeSequence = []
        verifier.VerifyingOrganization = HOSPITAL_ZH
        verifier.VerificationDateTime = r.verified_datetime
        ds.VerifyingObserverSequence = [verifier]
    else:
        ds.CompletionFlag = "PARTIAL"
        ds.VerificationFlag = "UNVERIFIED"
        ds.PreliminaryFlag = "PRELIMINARY"
        # When the final report is expected: (0040,4011) Expected Completion DateTime, the
        # standard attribute for when a procedure step (here: reporting) should be done.
        # Local hospital time; the offset is in Timezone Offset From UTC.
        ds.ExpectedCompletionDateTime = r.expected_datetime
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocumentLength = len(pdf)
    ds.EncapsulatedDocument = pdf + b"\x00" * (len(pdf) % 2)
    return ds


# --- the build --------------------------------------------------------------------------------


def build(out_dir: Path) -> list[Path]:
    """Write ``archive/*.dcm`` and ``reports/*.pdf`` under `out_dir`; return the paths written."""
    archive, reports = out_dir / "archive", out_dir / "reports"
    archive.mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    for stale in [*archive.glob("DEMO*.dcm"), *reports.glob("DEMO*.pdf")]:
        stale.unlink()
    written: list[Path] = []
    for exam in EXAMS:
        pdf = render_report_pdf(exam)
        check_report_text(exam, pdf)
        pdf_path = reports / f"{exam.accession}.pdf"
        pdf_path.write_bytes(pdf)
        written.append(pdf_path)
        for ds in _image_instances(exam):
            path = archive / f"{exam.accession}_{exam.modality}_{ds.InstanceNumber:02d}.dcm"
            ds.save_as(path, enforce_file_format=True)
            written.append(path)
        path = archive / f"{exam.accession}_DOC.dcm"
        _report_instance(exam, pdf).save_as(path, enforce_file_format=True)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=HERE,
        help="where archive/ and reports/ go (default: the folder of this script)",
    )
    parser.add_argument(
        "--refresh-cr-source",
        type=Path,
        metavar="RG3_J2KI.dcm",
        help=f"first rewrite {CR_SOURCE_PNG.relative_to(HERE)} from the original file",
    )
    args = parser.parse_args(argv)
    if args.refresh_cr_source:
        print(f"wrote {refresh_cr_source(args.refresh_cr_source)}")
    written = build(args.out_dir)
    total = sum(p.stat().st_size for p in written)
    for path in written:
        print(f"{path.stat().st_size:>8}  {path}")
    print(f"{total:>8}  total, {len(written)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
