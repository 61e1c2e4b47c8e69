"""DICOM instances for tests: a signed report as Encapsulated PDF, and image series cloned from a
sample file, all for one patient and study so a test can build a whole exam in an archive.

Plain functions returning :class:`pydicom.Dataset` objects with file meta (explicit VR little
endian unless the source says otherwise), ready for ``dcmwrite`` or an upload to Orthanc.
"""

from __future__ import annotations

import copy
import datetime as dt
import os

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, generate_uid

ENCAPSULATED_PDF_STORAGE = "1.2.840.10008.5.1.4.1.1.104.1"
KEY_OBJECT_SELECTION_STORAGE = "1.2.840.10008.5.1.4.1.1.88.59"
#: Key Object Selection document titles (DICOM CID 7010, 7011)
OF_INTEREST = ("113000", "Of Interest")
FOR_PRINTING = ("113018", "For Printing")
FOR_TEACHING = ("113004", "For Teaching")
REJECTED_FOR_QUALITY = ("113001", "Rejected for Quality Reasons")

__all__ = [
    "ENCAPSULATED_PDF_STORAGE",
    "FOR_PRINTING",
    "FOR_TEACHING",
    "KEY_OBJECT_SELECTION_STORAGE",
    "OF_INTEREST",
    "REJECTED_FOR_QUALITY",
    "image_series",
    "make_encapsulated_pdf",
    "make_key_objects",
]


def _file_meta(sop_class_uid: str, sop_instance_uid: str, transfer_syntax: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class_uid)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    meta.TransferSyntaxUID = UID(transfer_syntax)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def make_encapsulated_pdf(
    pdf_bytes: bytes,
    *,
    patient_id: str,
    patient_name: str,
    accession: str,
    study_uid: str,
    final: bool = True,
    document_title: str = "Radiology report",
    series_uid: str | None = None,
    sop_instance_uid: str | None = None,
    series_number: int = 900,
    instance_number: int = 1,
    study_date: str = "20260101",
    study_time: str = "080000",
    patient_birth_date: str = "",
    patient_sex: str = "",
    content_datetime: dt.datetime | None = None,
) -> Dataset:
    """A valid Encapsulated PDF Storage instance holding ``pdf_bytes``, in a series of its own.

    Args:
        pdf_bytes: the PDF file.
        patient_id, patient_name, accession, study_uid: which patient and study it belongs to
            (``patient_name`` in DICOM PN form, e.g. ``"Test^Kiosk"``; any script is fine, the
            character set is UTF-8).
        final: a signed report (CompletionFlag COMPLETE, VerificationFlag VERIFIED) or a draft
            (PARTIAL, UNVERIFIED).
        document_title: DocumentTitle (also the series description).
        series_uid, sop_instance_uid: fixed UIDs, or None for new ones.
        series_number, instance_number, study_date, study_time, patient_birth_date,
        patient_sex: the remaining identifying attributes.
        content_datetime: when the report was written (default now).
    """
    when = content_datetime or dt.datetime.now().replace(microsecond=0)
    sop_uid = sop_instance_uid or generate_uid()

    ds = Dataset()
    ds.file_meta = _file_meta(ENCAPSULATED_PDF_STORAGE, sop_uid, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = ENCAPSULATED_PDF_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate = when.strftime("%Y%m%d")
    ds.InstanceCreationTime = when.strftime("%H%M%S")
    # Patient
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = patient_birth_date
    ds.PatientSex = patient_sex
    # General Study
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = study_date
    ds.StudyTime = study_time
    ds.ReferringPhysicianName = ""
    ds.StudyID = ""
    ds.AccessionNumber = accession
    # Encapsulated Document Series
    ds.Modality = "DOC"
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.SeriesNumber = series_number
    ds.SeriesDescription = document_title
    # General Equipment + SC Equipment
    ds.Manufacturer = "film-kiosk tests"
    ds.ConversionType = "WSD"
    # Encapsulated Document
    ds.InstanceNumber = instance_number
    ds.ContentDate = when.strftime("%Y%m%d")
    ds.ContentTime = when.strftime("%H%M%S")
    ds.AcquisitionDateTime = when.strftime("%Y%m%d%H%M%S")
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = document_title
    ds.ConceptNameCodeSequence = []
    ds.CompletionFlag = "COMPLETE" if final else "PARTIAL"
    ds.VerificationFlag = "VERIFIED" if final else "UNVERIFIED"
    if final:
        observer = Dataset()
        observer.VerifyingObserverName = "Radiologist^Test"
        observer.VerifyingOrganization = "Kiosk Test Hospital"
        observer.VerificationDateTime = when.strftime("%Y%m%d%H%M%S")
        observer.VerifyingObserverIdentificationCodeSequence = []
        ds.VerifyingObserverSequence = [observer]
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    # OB values must have even length: pad with one NUL, and say how long the document really is.
    ds.EncapsulatedDocumentLength = len(pdf_bytes)
    ds.EncapsulatedDocument = pdf_bytes + b"\0" * (len(pdf_bytes) % 2)
    return ds


def image_series(
    source_path: str | os.PathLike[str],
    *,
    n: int,
    patient_id: str,
    patient_name: str,
    accession: str,
    study_uid: str,
    series_number: int = 1,
    series_description: str | None = None,
) -> list[Dataset]:
    """``n`` copies of one DICOM image as a new series (new UIDs, InstanceNumber 1..n).

    The copies keep the source's pixels, modality and transfer syntax; they take the given
    patient and study, and a series and frame of reference of their own.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    source = dcmread(source_path)
    source.decode()  # text in str form, so it is re-encoded correctly as UTF-8 below
    series_uid = generate_uid()
    frame_of_reference = generate_uid()
    out: list[Dataset] = []
    for number in range(1, n + 1):
        ds = copy.deepcopy(source)
        sop_uid = generate_uid()
        ds.SOPInstanceUID = sop_uid
        if getattr(ds, "file_meta", None) is None:
            ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
        if "TransferSyntaxUID" not in ds.file_meta:
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PatientID = patient_id
        ds.PatientName = patient_name
        for keyword in ("OtherPatientIDs", "OtherPatientNames", "OtherPatientIDsSequence"):
            if keyword in ds:
                delattr(ds, keyword)
        ds.SpecificCharacterSet = "ISO_IR 192"
        ds.AccessionNumber = accession
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = series_number
        if series_description is not None:
            ds.SeriesDescription = series_description
        if "FrameOfReferenceUID" in ds:
            ds.FrameOfReferenceUID = frame_of_reference
        ds.InstanceNumber = number
        out.append(ds)
    return out


def _code(value: str, meaning: str, scheme: str = "DCM") -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def make_key_objects(
    images: list[Dataset],
    *,
    title: tuple[str, str] = OF_INTEREST,
    series_number: int = 990,
    content_time: str = "100000",
) -> Dataset:
    """A Key Object Selection document naming ``images``, in that order (PS3.3 A.35.4 with
    TID 2010: a title, one IMAGE item per image, the evidence listed by series), of the first
    image's patient and study."""
    first = images[0]
    sop_uid = generate_uid()
    ds = Dataset()
    ds.file_meta = _file_meta(KEY_OBJECT_SELECTION_STORAGE, sop_uid, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = UID(KEY_OBJECT_SELECTION_STORAGE)
    ds.SOPInstanceUID = UID(sop_uid)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                    "StudyInstanceUID", "StudyDate", "StudyTime", "AccessionNumber",
                    "StudyID", "ReferringPhysicianName"):  # fmt: skip
        setattr(ds, keyword, first.get(keyword, ""))
    ds.Modality = "KO"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = series_number
    ds.InstanceNumber = 1
    ds.Manufacturer = "Kiosk tests"
    ds.ContentDate = str(first.get("StudyDate", "") or "20260101")
    ds.ContentTime = content_time
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = [_code(*title)]
    template = Dataset()
    template.MappingResource, template.TemplateIdentifier = "DCMR", "2010"
    ds.ContentTemplateSequence = [template]
    items = []
    by_series: dict[str, list[Dataset]] = {}
    for image in images:
        ref = Dataset()
        ref.ReferencedSOPClassUID = image.SOPClassUID
        ref.ReferencedSOPInstanceUID = image.SOPInstanceUID
        item = Dataset()
        item.RelationshipType, item.ValueType = "CONTAINS", "IMAGE"
        item.ReferencedSOPSequence = [ref]
        items.append(item)
        by_series.setdefault(str(image.SeriesInstanceUID), []).append(ref)
    ds.ContentSequence = items
    series_items = []
    for series_uid, refs in by_series.items():
        series = Dataset()
        series.SeriesInstanceUID = series_uid
        series.ReferencedSOPSequence = [copy.deepcopy(r) for r in refs]
        series_items.append(series)
    evidence = Dataset()
    evidence.StudyInstanceUID = first.StudyInstanceUID
    evidence.ReferencedSeriesSequence = series_items
    ds.CurrentRequestedProcedureEvidenceSequence = [evidence]
    return ds
