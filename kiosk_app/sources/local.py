"""A folder of DICOM files as a study source: the demo archive, and a site without a cloud."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom import Dataset
from pydicom.errors import InvalidDicomError

from kiosk_app.core.errors import BadStudyDataError, CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.sources.dicom_json import parse_da

log = logging.getLogger(__name__)

#: values larger than this are left on disk when only headers are wanted (pixel data, mostly)
HEADER_DEFER_BYTES = 4096


@dataclass(frozen=True)
class _Indexed:
    ref: InstanceRef
    path: Path
    accession: str
    patient_id: str
    other_ids: tuple[str, ...]


def _person_name(ds: Dataset) -> str:
    name = ds.get("PatientName")
    if name is None:
        return ""
    return str(getattr(name, "ideographic", "") or name)


class LocalArchiveSource:
    """Every ``*.dcm`` below ``folder``, indexed from headers the first time it is asked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = str(folder)
        self._lock = threading.Lock()
        self._index: list[_Indexed] | None = None
        self._exams: dict[str, Exam] = {}

    def _load(self) -> list[_Indexed]:
        with self._lock:
            if self._index is not None:
                return self._index
            if not self.folder.is_dir():
                raise CloudUnavailableError(cloud=str(self.folder), detail="folder not found")
            index: list[_Indexed] = []
            modalities: dict[str, set[str]] = {}
            for path in sorted(self.folder.rglob("*.dcm")):
                try:
                    ds = pydicom.dcmread(path, stop_before_pixels=True)
                except (InvalidDicomError, OSError, ValueError) as exc:
                    log.warning("skipping unreadable file %s: %s", path.name, exc)
                    continue
                study = str(ds.get("StudyInstanceUID", ""))
                if not study:
                    log.warning("skipping %s: no StudyInstanceUID", path.name)
                    continue
                number = ds.get("InstanceNumber")
                ref = InstanceRef(
                    study_uid=study,
                    series_uid=str(ds.get("SeriesInstanceUID", "")),
                    sop_uid=str(ds.get("SOPInstanceUID", "")),
                    sop_class_uid=str(ds.get("SOPClassUID", "")),
                    modality=str(ds.get("Modality", "")),
                    instance_number=int(number) if number not in (None, "") else None,
                )
                other = ds.get("OtherPatientIDs") or []
                other_ids = (other,) if isinstance(other, str) else tuple(str(v) for v in other)
                index.append(
                    _Indexed(
                        ref,
                        path,
                        str(ds.get("AccessionNumber", "")),
                        str(ds.get("PatientID", "")),
                        other_ids,
                    )
                )
                modalities.setdefault(study, set()).add(ref.modality)
                if study not in self._exams:
                    self._exams[study] = Exam(
                        study_uid=study,
                        accession_number=str(ds.get("AccessionNumber", "")),
                        patient_id=str(ds.get("PatientID", "")),
                        patient_name=_person_name(ds),
                        study_date=parse_da(str(ds.get("StudyDate", ""))),
                        modalities=(),
                        description=str(ds.get("StudyDescription", "")),
                    )
            for study, exam in self._exams.items():
                self._exams[study] = dataclasses.replace(
                    exam, modalities=tuple(sorted(modalities[study] - {""}))
                )
            self._index = index
            log.info("local archive: %d instances in %d studies", len(index), len(self._exams))
            return index

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        if not accession and not patient_id:
            raise ValueError("find_studies needs an accession or a patient id")
        studies: list[str] = []
        for item in self._load():
            if accession and item.accession != accession:
                continue
            if patient_id and patient_id != item.patient_id and patient_id not in item.other_ids:
                continue
            if item.ref.study_uid not in studies:
                studies.append(item.ref.study_uid)
        return [self._exams[s] for s in studies]

    def find_patient_ids(self, other_id: str) -> list[str]:
        """PatientIDs of the instances listing ``other_id`` in OtherPatientIDs (exact)."""
        return sorted({i.patient_id for i in self._load() if other_id in i.other_ids})

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        return [i.ref for i in self._load() if i.ref.study_uid == study_uid]

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        for item in self._load():
            if item.ref.sop_uid == ref.sop_uid:
                try:
                    return pydicom.dcmread(item.path)
                except (InvalidDicomError, OSError, ValueError) as exc:
                    raise BadStudyDataError(detail=f"{item.path.name}: {exc}") from exc
        raise BadStudyDataError(detail=f"instance {ref.sop_uid} is not in the archive")

    def image_headers(self, refs: Sequence[InstanceRef]) -> list[Dataset]:
        """The instances in ``refs`` with every attribute but pixel data read (it is there,
        left on disk until asked for): what the film plan needs to count sheets."""
        paths = {item.ref.sop_uid: item.path for item in self._load()}
        headers: list[Dataset] = []
        for ref in refs:
            path = paths.get(ref.sop_uid)
            if path is None:
                raise BadStudyDataError(detail=f"instance {ref.sop_uid} is not in the archive")
            try:
                headers.append(pydicom.dcmread(path, defer_size=HEADER_DEFER_BYTES))
            except (InvalidDicomError, OSError, ValueError) as exc:
                raise BadStudyDataError(detail=f"{path.name}: {exc}") from exc
        return headers

    def ping(self) -> None:
        self._load()
