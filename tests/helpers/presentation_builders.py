"""Grayscale Softcopy Presentation States as a workstation writes them, for tests."""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

GRAYSCALE_SOFTCOPY_PRESENTATION_STATE = "1.2.840.10008.5.1.4.1.1.11.1"


def reference(ds: Dataset, frames: list[int] | None = None) -> Dataset:
    """A Referenced Image (or SOP) Sequence item naming ``ds`` (and some of its frames)."""
    ref = Dataset()
    ref.ReferencedSOPClassUID = ds.SOPClassUID
    ref.ReferencedSOPInstanceUID = ds.SOPInstanceUID
    if frames:
        ref.ReferencedFrameNumber = frames
    return ref


def window(center: float, width: float, function: str = "") -> list[Dataset]:
    """A Softcopy VOI LUT Sequence of one window for every referenced image."""
    item = Dataset()
    item.WindowCenter, item.WindowWidth = center, width
    if function:
        item.VOILUTFunction = function
    return [item]


def make_presentation_state(
    *images: Dataset, created: str = "120000", label: str = "FINDING", **attrs: object
) -> Dataset:
    """A GSPS (PS3.3 A.33.1) for ``images``, of the first one's patient and study, with a
    Part 10 header: references grouped by series, the images' rescale, an IDENTITY
    presentation LUT shape, then ``attrs`` (keywords) on top."""
    first = images[0]
    sop_uid = generate_uid()
    ps = Dataset()
    ps.file_meta = FileMetaDataset()
    ps.file_meta.MediaStorageSOPClassUID = UID(GRAYSCALE_SOFTCOPY_PRESENTATION_STATE)
    ps.file_meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    ps.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ps.SOPClassUID = UID(GRAYSCALE_SOFTCOPY_PRESENTATION_STATE)
    ps.SOPInstanceUID = UID(sop_uid)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                    "StudyInstanceUID", "StudyDate", "StudyTime", "AccessionNumber",
                    "StudyID", "ReferringPhysicianName"):  # fmt: skip
        setattr(ps, keyword, first.get(keyword, ""))
    ps.Modality, ps.SeriesInstanceUID, ps.SeriesNumber, ps.InstanceNumber = (
        "PR", generate_uid(), 991, 1,
    )  # fmt: skip
    ps.ContentLabel, ps.ContentDescription, ps.ContentCreatorName = label, "", ""
    ps.PresentationCreationDate, ps.PresentationCreationTime = "20260101", created
    by_series: dict[str, list[Dataset]] = {}
    for image in images:
        by_series.setdefault(str(image.get("SeriesInstanceUID", "")), []).append(reference(image))
    series_items = []
    for series_uid, refs in by_series.items():
        series = Dataset()
        series.SeriesInstanceUID = series_uid
        series.ReferencedImageSequence = refs
        series_items.append(series)
    ps.ReferencedSeriesSequence = series_items
    if "RescaleSlope" in first:
        ps.RescaleSlope, ps.RescaleIntercept = first.RescaleSlope, first.RescaleIntercept
        ps.RescaleType = "HU" if first.get("Modality") == "CT" else "US"
    ps.PresentationLUTShape = "IDENTITY"
    for keyword, value in attrs.items():
        setattr(ps, keyword, value)
    return ps
