"""Structured reports for tests: Basic Text, Enhanced and Comprehensive SR instances holding a
radiology report (findings and impression in Chinese or English), final or not."""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, generate_uid

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"


def code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def text_item(meaning: str, text: str, code_value: str = "121071") -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    item.ConceptNameCodeSequence = Sequence([code(code_value, "DCM", meaning)])
    item.TextValue = text
    return item


def container(meaning: str, code_value: str, children: list[Dataset]) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "CONTAINER"
    item.ContinuityOfContent = "SEPARATE"
    item.ConceptNameCodeSequence = Sequence([code(code_value, "DCM", meaning)])
    item.ContentSequence = Sequence(children)
    return item


def make_sr(
    *,
    patient_id: str,
    patient_name: str,
    accession: str,
    study_uid: str,
    findings: str,
    impression: str,
    sop_class_uid: str = BASIC_TEXT_SR,
    final: bool = True,
    expected: str = "",
    study_date: str = "20261126",
    verifier: str = "Li^Wei",
    measurement: tuple[str, float, str] | None = None,
) -> Dataset:
    """One SR instance: a Findings section and an Impression section under the root."""
    sop_uid = generate_uid()
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class_uid
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = sop_uid
    ds.Modality = "SR"
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientSex = "M"
    ds.PatientBirthDate = "19800101"
    ds.AccessionNumber = accession
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = study_date
    ds.StudyTime = "080000"
    ds.StudyDescription = "CT chest"
    ds.StudyID = "1"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 950
    ds.InstanceNumber = 1
    ds.ContentDate = study_date
    ds.ContentTime = "093000"
    ds.Manufacturer = "Kiosk tests"
    ds.ReferringPhysicianName = ""
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([code("18748-4", "LN", "Diagnostic Imaging Report")])
    ds.CompletionFlag = "COMPLETE" if final else "PARTIAL"
    ds.VerificationFlag = "VERIFIED" if final else "UNVERIFIED"
    if final:
        observer = Dataset()
        observer.VerifyingObserverName = verifier
        observer.VerifyingOrganization = "Radiology"
        observer.VerificationDateTime = study_date + "100000"
        observer.VerifyingObserverIdentificationCodeSequence = Sequence([])
        ds.VerifyingObserverSequence = Sequence([observer])
    if expected:
        ds.ExpectedCompletionDateTime = expected
    findings_children = [text_item("Finding", findings, "121071")]
    if measurement is not None:
        name, value, unit = measurement
        num = Dataset()
        num.RelationshipType = "CONTAINS"
        num.ValueType = "NUM"
        num.ConceptNameCodeSequence = Sequence([code("121206", "DCM", name)])
        mv = Dataset()
        mv.NumericValue = str(value)
        mv.MeasurementUnitsCodeSequence = Sequence([code(unit, "UCUM", unit)])
        num.MeasuredValueSequence = Sequence([mv])
        findings_children.append(num)
    ds.ContentSequence = Sequence(
        [
            container("Findings", "121070", findings_children),
            container("Impression", "121072", [text_item("Impression", impression, "121073")]),
        ]
    )
    return ds
