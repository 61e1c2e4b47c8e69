"""The committed demo archive holds what `kiosk --demo` promises, and rebuilds identically."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from types import ModuleType

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileDataset
from pydicom.uid import EncapsulatedPDFStorage, ExplicitVRLittleEndian
from pypdf import PdfReader

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"
ARCHIVE = DEMO / "archive"
REPORTS = DEMO / "reports"


def _load_builder() -> ModuleType:
    name = "assets_demo_build_demo"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DEMO / "build_demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    return _load_builder()


@pytest.fixture(scope="module")
def instances() -> list[FileDataset]:
    paths = sorted(ARCHIVE.glob("*.dcm"))
    assert paths, f"no DICOM files in {ARCHIVE}"
    return [pydicom.dcmread(p) for p in paths]


def _by_accession(instances: list[FileDataset]) -> dict[str, list[FileDataset]]:
    out: dict[str, list[FileDataset]] = defaultdict(list)
    for ds in instances:
        out[ds.AccessionNumber].append(ds)
    return out


def _report(instances: list[FileDataset], accession: str) -> FileDataset:
    reports = [
        ds for ds in _by_accession(instances)[accession] if ds.SOPClassUID == EncapsulatedPDFStorage
    ]
    assert len(reports) == 1, f"{accession} should have exactly one Encapsulated PDF report"
    return reports[0]


def _pdf_of(ds: FileDataset) -> bytes:
    return bytes(ds.EncapsulatedDocument)[: ds.EncapsulatedDocumentLength]


def _pdf_text(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _gb11643_valid(number: str) -> bool:
    """Checked here independently of the builder: GB 11643-1999, ISO 7064 MOD 11-2."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17]


def test_every_instance_is_uncompressed_part10_with_its_identifiers(
    instances: list[FileDataset],
) -> None:
    for ds in instances:
        assert ds.preamble is not None
        assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.file_meta.MediaStorageSOPClassUID == ds.SOPClassUID
        assert ds.SpecificCharacterSet == "ISO_IR 192"
        for keyword in (
            "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "AccessionNumber",
            "PatientID", "PatientName", "PatientSex", "PatientBirthDate", "StudyDate",
            "StudyTime", "StudyDescription", "Modality", "OtherPatientIDs",
        ):  # fmt: skip
            assert ds.get(keyword), f"{ds.AccessionNumber}: {keyword} is empty"
    sop_uids = [ds.SOPInstanceUID for ds in instances]
    assert len(set(sop_uids)) == len(sop_uids)


def test_archive_holds_at_least_three_patients_each_consistent(
    instances: list[FileDataset],
) -> None:
    patients: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)
    for ds in instances:
        patients[ds.PatientID].add(
            (str(ds.PatientName), ds.PatientSex, ds.PatientBirthDate, ds.OtherPatientIDs)
        )
    assert len(patients) >= 3
    for patient_id, identities in patients.items():
        assert len(identities) == 1, f"{patient_id} has conflicting demographics {identities}"


def test_each_accession_is_one_study_of_one_patient(instances: list[FileDataset]) -> None:
    exams = _by_accession(instances)
    assert {"DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004"} <= exams.keys()
    for accession, datasets in exams.items():
        assert len({ds.StudyInstanceUID for ds in datasets}) == 1, accession
        assert len({ds.PatientID for ds in datasets}) == 1, accession
    assert exams["DEMO0001"][0].PatientID == exams["DEMO0004"][0].PatientID
    assert exams["DEMO0004"][0].StudyDate < exams["DEMO0001"][0].StudyDate


def test_national_id_numbers_have_valid_check_digits_birth_dates_and_sex(
    instances: list[FileDataset],
) -> None:
    for ds in instances:
        number = ds.OtherPatientIDs
        assert _gb11643_valid(number), f"{number} fails the GB 11643 check digit"
        assert number[6:14] == ds.PatientBirthDate
        assert ("M" if int(number[16]) % 2 else "F") == ds.PatientSex
        assert ds.OtherPatientIDsSequence[0].PatientID == number
    assert not _gb11643_valid("110101196803150316")  # the README's bad example
    assert _gb11643_valid("11010519491231002X")  # the standard's own example


def test_demo0001_has_a_final_pdf_report_with_its_findings(
    instances: list[FileDataset], builder: ModuleType
) -> None:
    ds = _report(instances, "DEMO0001")
    assert ds.Modality == "DOC"
    assert ds.CompletionFlag == "COMPLETE"
    assert ds.VerificationFlag == "VERIFIED"
    assert ds.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert ds.DocumentTitle
    assert len(ds.EncapsulatedDocument) % 2 == 0
    assert len(ds.EncapsulatedDocument) - ds.EncapsulatedDocumentLength in (0, 1)
    images = [d for d in _by_accession(instances)["DEMO0001"] if d is not ds]
    assert ds.SeriesInstanceUID not in {d.SeriesInstanceUID for d in images}

    pdf = _pdf_of(ds)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = _pdf_text(pdf)
    (exam,) = [e for e in builder.EXAMS if e.accession == "DEMO0001"]
    for part in (exam.report.findings, exam.report.impression, exam.report.english):
        assert _squeeze(part) in text
    for part in ("示例人民医院", "检查所见", "诊断意见", "张三", "DP0001", "DEMO0001",
                 "腰椎轻度退行性变", "DEMO—notarealpatient"):  # fmt: skip
        assert part in text


def test_demo0001_has_at_least_four_distinct_decodable_ct_slices(
    instances: list[FileDataset],
) -> None:
    cts = sorted(
        (ds for ds in _by_accession(instances)["DEMO0001"] if ds.Modality == "CT"),
        key=lambda ds: int(ds.InstanceNumber),
    )
    assert len(cts) >= 4
    assert len({ds.SeriesInstanceUID for ds in cts}) == 1
    assert len({float(ds.SliceLocation) for ds in cts}) == len(cts)
    assert len({float(ds.ImagePositionPatient[2]) for ds in cts}) == len(cts)
    pixels = [ds.pixel_array for ds in cts]
    for ds, array in zip(cts, pixels, strict=True):
        assert array.shape == (ds.Rows, ds.Columns)
        assert float(ds.RescaleSlope) == 1 and float(ds.RescaleIntercept) == -1024
        assert array.std() > 0
    for a, b in combinations(pixels, 2):
        assert not np.array_equal(a, b)


def test_demo0002_report_is_not_final_and_says_when_it_is_expected(
    instances: list[FileDataset],
) -> None:
    ds = _report(instances, "DEMO0002")
    assert ds.CompletionFlag == "PARTIAL"
    assert ds.VerificationFlag == "UNVERIFIED"
    assert ds.PreliminaryFlag == "PRELIMINARY"
    expected = ds.ExpectedCompletionDateTime
    assert re.fullmatch(r"\d{14}", expected)
    assert expected > ds.ContentDate + ds.ContentTime
    text = _pdf_text(_pdf_of(ds))
    assert "初步报告" in text and "PRELIMINARY" in text


def test_other_reports_are_final(instances: list[FileDataset]) -> None:
    for accession in ("DEMO0003", "DEMO0004"):
        ds = _report(instances, accession)
        assert (ds.CompletionFlag, ds.VerificationFlag) == ("COMPLETE", "VERIFIED")
        assert "ExpectedCompletionDateTime" not in ds


def test_every_image_decodes_without_a_codec(instances: list[FileDataset]) -> None:
    images = [ds for ds in instances if "PixelData" in ds]
    assert {ds.Modality for ds in images} >= {"CT", "MR", "CR"}
    for ds in images:
        assert ds.pixel_array.shape == (ds.Rows, ds.Columns)


def test_reports_folder_holds_the_embedded_pdfs(instances: list[FileDataset]) -> None:
    for accession in _by_accession(instances):
        pdf = (REPORTS / f"{accession}.pdf").read_bytes()
        assert pdf == _pdf_of(_report(instances, accession))
        assert len(pdf) < 100_000


def test_demo_assets_stay_small() -> None:
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 2_000_000


def test_rebuilding_gives_byte_identical_files(tmp_path: Path, builder: ModuleType) -> None:
    for font in (builder.CJK_FONT_PATH, builder.LATIN_FONT_PATH):
        if not font.is_file():
            pytest.skip(f"building the demo needs the font {font}")
    assert builder.main([str(tmp_path)]) == 0
    for folder in ("archive", "reports"):
        committed = {p.name: p.read_bytes() for p in (DEMO / folder).iterdir()}
        rebuilt = {p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()}
        assert rebuilt.keys() == committed.keys()
        changed = sorted(name for name in committed if committed[name] != rebuilt[name])
        assert not changed, f"rebuilt files differ from the committed ones: {changed}"
