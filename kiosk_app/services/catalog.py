"""The catalog: a credential in, that patient's exams out, each with its report and images."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from pydicom import Dataset

from kiosk_app.core.errors import BadStudyDataError, CloudUnavailableError, NoExamsError
from kiosk_app.core.models import Credential, CredentialKind, Exam, InstanceRef, ReportInfo
from kiosk_app.logs import patient_ref
from kiosk_app.services.reports import is_renderable_sr, render_sr
from kiosk_app.sources.base import StudySource

log = logging.getLogger(__name__)

ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"
KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59"
GRAYSCALE_PRESENTATION_STATE = "1.2.840.10008.5.1.4.1.1.11.1"
REPORT_CLASSES = frozenset(
    {
        ENCAPSULATED_PDF,
        "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR
        "1.2.840.10008.5.1.4.1.1.88.22",  # Enhanced SR
        "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
        "1.2.840.10008.5.1.4.1.1.88.34",  # Comprehensive 3D SR
        "1.2.840.10008.5.1.4.1.1.88.35",  # Extensible SR
    }
)
"""The SOP classes a radiology report comes in. Other SR classes (key object selection, dose
reports, CAD findings, measurements) are not the patient's report."""
_SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
_NOT_IMAGES = (
    "1.2.840.10008.5.1.4.1.1.104.",  # encapsulated documents
    _SR_PREFIX,  # structured reports, key object selection
    "1.2.840.10008.5.1.4.1.1.11.",  # presentation states
    "1.2.840.10008.5.1.4.1.1.481.",  # radiotherapy objects
    "1.2.840.10008.5.1.4.1.1.9.",  # waveforms
    "1.2.840.10008.5.1.4.1.1.66",  # raw data, spatial registration
)
_NOT_IMAGE_MODALITIES = {"SR", "DOC", "KO", "PR", "RTPLAN", "RTSTRUCT", "RTDOSE", "ECG"}
#: structured reports kept rendered (a visit lists, counts, then prints a few at most)
RENDERED_REPORTS = 8
#: report objects of one study read to choose among them (amendments are rare; a study with
#: more is a data error, and the newest listed are read)
MAX_REPORT_OBJECTS = 8
#: studies whose image headers are kept between counting the sheets and printing them
HEADER_STUDIES = 4
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def is_report(ref: InstanceRef) -> bool:
    """A radiology report: an Encapsulated PDF or one of the SR classes reports use."""
    return ref.sop_class_uid in REPORT_CLASSES


def is_key_object(ref: InstanceRef) -> bool:
    return ref.sop_class_uid == KEY_OBJECT_SELECTION


def is_presentation_state(ref: InstanceRef) -> bool:
    return ref.sop_class_uid == GRAYSCALE_PRESENTATION_STATE


def is_image(ref: InstanceRef) -> bool:
    if ref.sop_class_uid.startswith(_NOT_IMAGES):
        return False
    return ref.modality not in _NOT_IMAGE_MODALITIES


def report_rank(ds: Dataset, pdf_default: bool) -> tuple[bool, bool, str, bool]:
    """How good a report object is for printing, higher first: final, then one the kiosk can
    print, then the newest (an amendment replaces what it amends), then a PDF over an SR."""
    sop_class = str(ds.get("SOPClassUID", ""))
    printable = sop_class == ENCAPSULATED_PDF or is_renderable_sr(sop_class)
    return (report_is_final(ds, pdf_default), printable, _written_at(ds),
            sop_class == ENCAPSULATED_PDF)  # fmt: skip


def _written_at(ds: Dataset) -> str:
    """When the report was written, as sortable text (YYYYMMDDHHMMSS...); empty if unknown."""
    for date_keyword, time_keyword in (
        ("ContentDate", "ContentTime"),
        ("InstanceCreationDate", "InstanceCreationTime"),
        ("SeriesDate", "SeriesTime"),
    ):
        day = str(ds.get(date_keyword, "") or "").strip()
        if len(day) == 8 and day.isdigit():
            clock = str(ds.get(time_keyword, "") or "").strip().replace(":", "")
            return day + clock.ljust(6, "0")
    return ""


def report_is_final(ds: Dataset, pdf_default: bool) -> bool:
    """Final only when the source says so.

    Structured reports carry Completion Flag and Verification Flag; both must say so. For
    Encapsulated PDFs the flags are optional: when present they decide, otherwise the site's
    ``policy.pdf_reports_final`` does.
    """
    completion = str(ds.get("CompletionFlag", "")).upper()
    verification = str(ds.get("VerificationFlag", "")).upper()
    if completion or verification:
        return completion == "COMPLETE" and verification == "VERIFIED"
    if str(ds.get("SOPClassUID", "")) == ENCAPSULATED_PDF:
        return pdf_default
    return False


def expected_time(ds: Dataset, today: date | None = None) -> str:
    """When a non-final report is expected, from Expected Completion DateTime (0040,4011).

    ``HH:MM`` when that is today, else ``YYYY-MM-DD HH:MM``; empty when the source says nothing.
    The value is the hospital's local time, as the radiology system wrote it.
    """
    text = str(ds.get("ExpectedCompletionDateTime", "") or "").strip()
    if len(text) < 12 or not text[:12].isdigit():
        return ""
    day = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    clock = f"{text[8:10]}:{text[10:12]}"
    today = today or date.today()
    return clock if day == today.isoformat() else f"{day} {clock}"


def pdf_bytes(ds: Dataset) -> bytes:
    """The PDF inside an Encapsulated PDF instance, trimmed to its declared length."""
    if str(ds.get("SOPClassUID", "")) != ENCAPSULATED_PDF:
        raise BadStudyDataError(detail="report instance is not an Encapsulated PDF")
    data = ds.get("EncapsulatedDocument")
    if not data:
        raise BadStudyDataError(detail="Encapsulated PDF without a document")
    document = bytes(data)
    length = ds.get("EncapsulatedDocumentLength")
    if length:
        document = document[: int(length)]
    else:
        # Padding to an even length adds one NUL or space after %%EOF.
        document = document.rstrip(b"\x00")
    if not document.startswith(b"%PDF-"):
        raise BadStudyDataError(detail="encapsulated document is not a PDF")
    return document


class Catalog:
    """Looks exams up in one source and keeps the few instances a visit reads twice."""

    def __init__(
        self,
        source: StudySource,
        *,
        pdf_reports_final: bool = True,
        max_parallel: int = 4,
        cache_size: int = 16,
        hospital_name: str = "",
    ) -> None:
        self.source = source
        self.hospital_name = hospital_name
        self.pdf_reports_final = pdf_reports_final
        self.max_parallel = max_parallel
        self._cache: OrderedDict[str, Dataset] = OrderedDict()
        self._cache_size = cache_size
        # Structured reports rendered to PDF: counted when listed, printed moments later.
        self._pdfs: OrderedDict[str, bytes] = OrderedDict()
        self._headers: OrderedDict[tuple[str, tuple[InstanceRef, ...]], list[Dataset]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def exams_for(self, credential: Credential) -> list[Exam]:
        """The credential's exams, newest first. Raises NoExamsError or CloudError."""
        if credential.kind is CredentialKind.ACCESSION:
            found = self.source.find_studies(accession=credential.value)
            # An exam slip names one exam: a source that also answers near matches (a
            # wildcard, another case) must not add other studies to the visit.
            asked = credential.value.upper()
            found = [e for e in found if e.accession_number.upper() == asked]
        else:
            found = self.source.find_studies(patient_id=credential.value)
        if not found:
            raise NoExamsError()
        patients = {e.patient_id for e in found}
        if credential.kind is CredentialKind.ACCESSION and len(patients) > 1:
            # One accession number must name one patient's exam; anything else is a data
            # error that must not be resolved by guessing.
            raise BadStudyDataError(detail="one accession number belongs to several patients")
        exams = []
        offline: CloudUnavailableError | None = None
        for exam in found:
            try:
                exams.append(self._complete(exam))
            except CloudUnavailableError as exc:
                # The cloud is down and this exam was not prefetched: list it as unavailable
                # so the patient's prefetched exams still print, and say why for this one.
                offline = exc
                exams.append(
                    dataclasses.replace(
                        exam, unavailable=exc.message_id, unavailable_params=exc.params
                    )
                )
        if offline is not None and all(e.unavailable for e in exams):
            raise offline
        exams.sort(key=lambda e: (e.study_date is not None, e.study_date), reverse=True)
        log.info(
            "catalog: %d exam(s) for %s %s",
            len(exams),
            credential.kind.value,
            patient_ref(credential.value),
        )
        return exams

    def _complete(self, exam: Exam) -> Exam:
        instances = self.source.list_instances(exam.study_uid)
        images = tuple(
            sorted(
                (i for i in instances if is_image(i)),
                key=lambda i: (i.series_uid, i.instance_number or 0, i.sop_uid),
            )
        )
        report = self._choose_report(exam, [i for i in instances if is_report(i)])
        modalities = exam.modalities or tuple(sorted({i.modality for i in images} - {""}))
        return dataclasses.replace(
            exam,
            report=report,
            images=images,
            key_objects=tuple(i for i in instances if is_key_object(i)),
            presentation_states=tuple(i for i in instances if is_presentation_state(i)),
            modalities=modalities,
        )

    def _choose_report(self, exam: Exam, refs: Sequence[InstanceRef]) -> ReportInfo | None:
        """The study's report among its report objects: the final one, and of several final
        ones the newest (:func:`report_rank`). Each is checked to be this patient's."""
        if not refs:
            return None
        if len(refs) > MAX_REPORT_OBJECTS:
            log.warning(
                "a study lists %d report objects; the last %d listed are read",
                len(refs), MAX_REPORT_OBJECTS,
            )  # fmt: skip
            refs = refs[-MAX_REPORT_OBJECTS:]
        ranked = []
        for ref in refs:
            ds = self.instance(ref)
            if str(ds.get("PatientID", "")) != exam.patient_id:
                raise BadStudyDataError(detail="report instance names another patient")
            ranked.append((report_rank(ds, self.pdf_reports_final), ref, ds))
        _rank, ref, ds = max(ranked, key=lambda entry: entry[0])
        if len(ranked) > 1:
            log.info("report chosen among %d report objects of the study", len(ranked))
        return ReportInfo(
            instance=ref,
            final=report_is_final(ds, self.pdf_reports_final),
            expected_at=expected_time(ds),
        )

    def instance(self, ref: InstanceRef) -> Dataset:
        cached = self._cache.get(ref.sop_uid)
        if cached is not None:
            self._cache.move_to_end(ref.sop_uid)
            return cached
        ds = self.source.fetch_instance(ref)
        self._cache[ref.sop_uid] = ds
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ds

    def report_pdf(self, exam: Exam) -> bytes:
        if exam.report is None:
            raise BadStudyDataError(detail="exam has no report")
        ref = exam.report.instance
        with self._lock:
            rendered = self._pdfs.get(ref.sop_uid)
        if rendered is not None:
            return rendered
        ds = self.instance(ref)
        if not is_renderable_sr(str(ds.get("SOPClassUID", ""))):
            return pdf_bytes(ds)
        rendered = render_sr(ds, hospital_name=self.hospital_name)
        with self._lock:
            self._pdfs[ref.sop_uid] = rendered
            while len(self._pdfs) > RENDERED_REPORTS:
                self._pdfs.popitem(last=False)
        return rendered

    def image_headers(self, exam: Exam) -> list[Dataset] | None:
        """Every image of the exam without its pixels (what the film plan needs to count
        sheets and choose images), in the order of ``exam.images``; None when the source
        cannot give headers cheaply. Each is checked to be this patient's, as
        :meth:`image_datasets` does. Kept for a few studies, so the sheets counted when the
        exams are listed are planned again, moments later, without asking the cloud again.

        Raises:
            CloudError: the source could not answer.
            BadStudyDataError: an image names another patient or study.
        """
        headers_of = getattr(self.source, "image_headers", None)
        if headers_of is None or not exam.images:
            return None
        key = (exam.study_uid, exam.images)
        with self._lock:
            kept = self._headers.get(key)
            if kept is not None:
                self._headers.move_to_end(key)
                return kept
        datasets: list[Dataset] | None = headers_of(exam.images)
        if datasets is None:
            return None
        _check_belongs(datasets, exam)
        for ds in datasets:
            if any(keyword in ds for keyword in _PIXEL_KEYWORDS):
                continue
            if "Rows" in ds and "Columns" in ds:
                # Some servers (Orthanc, for compressed instances) leave the pixel data out
                # of their metadata altogether; an image's matrix says it has some. Marked
                # here so the plan counts it: the full instance replaces the header.
                ds.PixelData = b""
                continue
            # Nothing says the instance has pixels: the plan would skip the image, so the
            # count would be wrong. Not known, then.
            log.info("image headers without pixel data: film sheets not counted")
            return None
        with self._lock:
            self._headers[key] = datasets
            while len(self._headers) > HEADER_STUDIES:
                self._headers.popitem(last=False)
        return datasets

    def film_objects(self, exam: Exam) -> list[Dataset]:
        """The exam's key object selections and presentation states, each checked to be this
        patient's: what makes the film the radiologist's choice (:mod:`.film.plan`)."""
        datasets = [self.instance(ref) for ref in (*exam.key_objects, *exam.presentation_states)]
        _check_belongs(datasets, exam)
        return datasets

    def image_datasets(
        self, exam: Exam, refs: Sequence[InstanceRef] | None = None
    ) -> list[Dataset]:
        """The exam's images (or just ``refs`` of them), fetched a few at a time in the order
        given, each checked to be this patient's."""
        refs = exam.images if refs is None else refs
        fetch_many = getattr(self.source, "fetch_instances", None)
        if fetch_many is not None:  # the cloud client (series streams, its own parallelism)
            datasets = list(fetch_many(refs))
        else:
            with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
                datasets = list(pool.map(self.source.fetch_instance, refs))
        _check_belongs(datasets, exam)
        return datasets


def _check_belongs(datasets: Sequence[Dataset], exam: Exam) -> None:
    """Raise BadStudyDataError unless every image is this exam's patient's and study's."""
    for ds in datasets:
        if str(ds.get("PatientID", "")) != exam.patient_id:
            raise BadStudyDataError(detail="an image names another patient")
        if str(ds.get("StudyInstanceUID", "")) != exam.study_uid:
            raise BadStudyDataError(detail="an image belongs to another study")
