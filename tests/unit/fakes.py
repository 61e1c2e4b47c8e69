"""Hand-written fakes for service tests: a printer that follows a script, an in-memory source."""

from __future__ import annotations

import copy
import io
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import date

import pydicom
from pydicom import Dataset
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from reportlab.pdfgen import canvas

from drivers.base import (
    DocumentPrinter,
    FilmPrinter,
    FilmSheet,
    JobPhase,
    JobStatus,
    PrinterState,
    PrinterStatus,
)
from drivers.errors import PrinterError
from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.services.catalog import ENCAPSULATED_PDF


class ScriptedPrinter(DocumentPrinter, FilmPrinter):
    """Answers job_status from a script; the last answer repeats. Records what it was sent."""

    def __init__(self, name: str, script: Sequence[JobStatus] = (), refuse: bool = False) -> None:
        self.name = name
        self.script: deque[JobStatus] = deque(script or [JobStatus(JobPhase.COMPLETED)])
        self.refuse = refuse
        self.sent: list[tuple[str, object]] = []
        self.polls = 0

    def submit_pdf(self, pdf: bytes, title: str, options: Mapping[str, str] | None = None) -> str:
        return self._take(title, pdf)

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        return self._take(title, list(sheets))

    def _take(self, title: str, payload: object) -> str:
        if self.refuse:
            raise PrinterError("printer.rejected", "queue is not accepting jobs")
        self.sent.append((title, payload))
        return str(len(self.sent))

    def job_status(self, job_id: str) -> JobStatus:
        self.polls += 1
        if int(job_id) > len(self.sent):
            raise PrinterError("job.unknown", f"no job {job_id}")
        status = self.script[0]
        if len(self.script) > 1:
            self.script.popleft()
        return status

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.name, PrinterState.IDLE, accepting_jobs=True)

    def cancel(self, job_id: str) -> None:
        self.script = deque([JobStatus(JobPhase.CANCELED)])


def report_pdf(text: str = "FINDINGS: no acute abnormality.") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _base(patient_id: str, accession: str, study_uid: str) -> Dataset:
    ds = Dataset()
    ds.PatientID = patient_id
    ds.PatientName = "TEST^PATIENT"
    ds.AccessionNumber = accession
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = "20261120"
    return ds


def pdf_instance(
    patient_id: str, accession: str, study_uid: str, *, final: bool = True, pdf: bytes | None = None
) -> Dataset:
    ds = _base(patient_id, accession, study_uid)
    ds.SOPClassUID = ENCAPSULATED_PDF
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "DOC"
    ds.CompletionFlag = "COMPLETE" if final else "PARTIAL"
    ds.VerificationFlag = "VERIFIED" if final else "UNVERIFIED"
    if not final:
        ds.ExpectedCompletionDateTime = date.today().strftime("%Y%m%d") + "163000"
    document = pdf if pdf is not None else report_pdf()
    ds.EncapsulatedDocumentLength = len(document)
    ds.EncapsulatedDocument = document + (b"\0" if len(document) % 2 else b"")
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    return ds


def ct_images(patient_id: str, accession: str, study_uid: str, n: int = 3) -> list[Dataset]:
    source = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    series = generate_uid()
    images = []
    for i in range(n):
        ds = copy.deepcopy(source)
        ds.PatientID, ds.AccessionNumber, ds.StudyInstanceUID = patient_id, accession, study_uid
        ds.SeriesInstanceUID = series
        ds.SOPInstanceUID = generate_uid()
        ds.InstanceNumber = i + 1
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        images.append(ds)
    return images


class MemorySource:
    """A study source over datasets in memory."""

    def __init__(self, datasets: Sequence[Dataset] = ()) -> None:
        self.description = "memory://test"
        self.datasets = list(datasets)
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise CloudUnavailableError(cloud=self.description, detail="connection refused")

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        self._check()
        seen: dict[tuple[str, str], Exam] = {}
        for ds in self.datasets:
            if accession and ds.AccessionNumber != accession:
                continue
            if patient_id and ds.PatientID != patient_id:
                continue
            key = (ds.StudyInstanceUID, ds.PatientID)
            seen.setdefault(
                key,
                Exam(
                    ds.StudyInstanceUID,
                    ds.AccessionNumber,
                    ds.PatientID,
                    str(ds.PatientName),
                    None,
                    (),
                    "test exam",
                ),
            )
        return list(seen.values())

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        self._check()
        return [
            InstanceRef(
                ds.StudyInstanceUID,
                ds.SeriesInstanceUID,
                ds.SOPInstanceUID,
                ds.SOPClassUID,
                ds.Modality,
                ds.get("InstanceNumber"),
            )
            for ds in self.datasets
            if ds.StudyInstanceUID == study_uid
        ]

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        self._check()
        return next(ds for ds in self.datasets if ds.SOPInstanceUID == ref.sop_uid)

    def ping(self) -> None:
        self._check()
