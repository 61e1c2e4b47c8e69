"""Structured reports rendered by the kiosk: an A4 page a patient can read, Chinese included."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from kiosk_app.core.errors import BadStudyDataError
from kiosk_app.core.models import Exam, InstanceRef, ItemKind, ReportInfo
from kiosk_app.services import reports
from kiosk_app.services.policy import Policy
from tests.helpers.sr_builders import BASIC_TEXT_SR, COMPREHENSIVE_SR, ENHANCED_SR, make_sr

FINDINGS_ZH = "双肺纹理清晰，未见明确结节及实变影。纵隔居中，心影大小形态正常。"
IMPRESSION_ZH = "胸部CT平扫未见明显异常。"


def sr(sop_class: str = BASIC_TEXT_SR, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        patient_id="P0001",
        patient_name="Wang^Fang=王^芳",
        accession="ACC0001",
        study_uid="1.2.3",
        findings=FINDINGS_ZH,
        impression=IMPRESSION_ZH,
        sop_class_uid=sop_class,
    )
    args.update(kw)
    return make_sr(**args)


def text_of(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.parametrize("sop_class", [BASIC_TEXT_SR, ENHANCED_SR, COMPREHENSIVE_SR])
def test_sr_renders_to_a_readable_a4_page(sop_class: str) -> None:
    ds = sr(sop_class, measurement=("Long axis", 12.5, "mm"))
    pdf = reports.render_sr(ds, hospital_name="示例人民医院")
    text, reader = text_of(pdf)
    flat = text.replace("\n", "").replace(" ", "")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    for expected in (
        "示例人民医院",
        "王芳",
        "P0001",
        "ACC0001",
        "2026-11-26",
        "Findings",
        "Impression",
        "Longaxis:12.5mm",
        "已审核",
        "LiWei",
    ):
        assert expected.replace(" ", "") in flat, expected
    assert FINDINGS_ZH.replace("，", "").replace("。", "")[:10] in flat.replace("，", "").replace(
        "。", ""
    )
    assert IMPRESSION_ZH in flat
    assert flat.index("Findings") < flat.index("Impression")
    # Fonts travel inside the file (subsets), so any printer shows the same glyphs.
    assert b"/FontFile2" in pdf


def test_a_long_report_flows_onto_more_pages() -> None:
    pdf = reports.render_sr(sr(findings=FINDINGS_ZH * 80), hospital_name="H")
    text, reader = text_of(pdf)
    assert len(reader.pages) >= 2
    assert IMPRESSION_ZH in text.replace("\n", "").replace(" ", "")


def test_a_preliminary_sr_says_so() -> None:
    text, _ = text_of(reports.render_sr(sr(final=False)))
    assert "未审核" in text


def test_unrendered_classes_and_empty_reports_are_refused() -> None:
    ds = sr()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.59"  # key object selection
    with pytest.raises(BadStudyDataError):
        reports.render_sr(ds)
    empty = sr()
    del empty.ContentSequence
    with pytest.raises(BadStudyDataError):
        reports.render_sr(empty)


def test_policy_lets_a_final_sr_print_and_holds_a_key_object() -> None:
    def exam(sop_class: str) -> Exam:
        ref = InstanceRef("1.2.3", "1.2.3.9", "1.2.3.9.1", sop_class, "SR")
        return Exam("1.2.3", "A", "P", "N", None, (), "", report=ReportInfo(ref, final=True))

    policy = Policy()
    assert policy.decide(exam(ENHANCED_SR), ItemKind.REPORT, None).printable
    held = policy.decide(exam("1.2.840.10008.5.1.4.1.1.88.59"), ItemKind.REPORT, None)
    assert not held.printable and held.message_id == "item.report_unsupported"


def test_a_draft_sr_is_held_and_says_when_it_is_expected() -> None:
    from datetime import date

    from kiosk_app.services.catalog import expected_time, report_is_final

    ds = sr(final=False, expected="202611261430")
    assert not report_is_final(ds, pdf_default=True)
    when = expected_time(ds, today=date(2026, 11, 26))
    assert when == "14:30"
    ref = InstanceRef("1.2.3", "1.2.3.9", ds.SOPInstanceUID, BASIC_TEXT_SR, "SR")
    exam = Exam("1.2.3", "A", "P", "N", None, (), "", report=ReportInfo(ref, False, when))
    decision = Policy().decide(exam, ItemKind.REPORT, None)
    assert not decision.printable and decision.message_id == "item.report_expected"
    assert "14:30" in decision.reason("en")
