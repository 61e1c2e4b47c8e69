"""Plain data that flows through the kiosk: credentials, exams, items and print outcomes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


class CredentialKind(enum.Enum):
    """What a code read by a scanner, a card reader or the keypad turned out to be."""

    ACCESSION = "accession"
    """An exam-slip barcode carrying the exam's accession number."""
    NATIONAL_ID = "national_id"
    """An 18-digit resident ID number with a valid GB 11643 check digit."""
    HOSPITAL_CARD = "hospital_card"
    """A hospital card (就诊卡) number, typed, scanned or read from a magnetic stripe."""
    PATIENT_ID = "patient_id"
    """A hospital patient ID (DICOM PatientID), as identity resolution found it."""
    EHEALTH_CARD = "ehealth_card"
    """An e-health card QR payload, opaque, resolved by the health platform."""
    INSURANCE_VOUCHER = "insurance_voucher"
    """A medical-insurance e-voucher QR payload, opaque, resolved by the platform."""
    KIOSK_TOKEN = "kiosk_token"
    """A kiosk token signed by the cloud (Ed25519), verified offline; used once."""


@dataclass(frozen=True)
class Credential:
    """A strictly parsed code; ``value`` is normalised (upper case, no spaces)."""

    kind: CredentialKind
    value: str

    @property
    def last4(self) -> str:
        """The last four characters, which the screen may show to confirm the patient."""
        return self.value[-4:]


class ItemKind(enum.Enum):
    """The two things a patient takes home from an exam."""

    REPORT = "report"
    """The signed report, printed on A4 paper."""
    FILM = "film"
    """The exam's images laid out on film sheets."""


class ItemState(enum.Enum):
    """What happened to one item in one visit."""

    DELIVERED = "delivered"
    """The printer confirmed the job completed without error, and the ledger says so."""
    SKIPPED = "skipped"
    """Policy held it back (already printed, report not final, nothing to print)."""
    FAILED = "failed"
    """It was meant to print and did not; nothing was recorded as delivered."""


@dataclass(frozen=True)
class InstanceRef:
    """One DICOM instance of a study, as listed by the catalog."""

    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str = ""
    modality: str = ""
    instance_number: int | None = None


@dataclass(frozen=True)
class ReportInfo:
    """Where a study's report is and whether it may be printed."""

    instance: InstanceRef
    final: bool
    expected_at: str = ""
    """When the report is expected, if the source says (free text, e.g. ``14:30``)."""


@dataclass(frozen=True)
class Exam:
    """One finished (or partly finished) imaging study of one patient."""

    study_uid: str
    accession_number: str
    patient_id: str
    patient_name: str
    study_date: date | None
    modalities: tuple[str, ...]
    description: str
    report: ReportInfo | None = None
    images: tuple[InstanceRef, ...] = ()
    key_objects: tuple[InstanceRef, ...] = ()
    """Key Object Selection documents: the images the radiologist chose for film."""
    presentation_states: tuple[InstanceRef, ...] = ()
    """Grayscale Softcopy Presentation States: how the radiologist displayed those images."""
    unavailable: str = ""
    """A message id when the exam's contents cannot be had now (the cloud is down and the
    exam is not in the offline cache); the patient's other exams still print."""
    unavailable_params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemOutcome:
    """The result for one item of one exam, as ``kiosk print --json`` reports it."""

    kind: ItemKind
    study_uid: str
    state: ItemState
    reason: str = ""
    count: int = 0
    """Pages for a report, sheets for a film."""
    printer: str = ""
    message_id: str = ""
    """The catalogue id behind ``reason``, so each screen says it in its own language."""
    params: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        unit = "pages" if self.kind is ItemKind.REPORT else "sheets"
        return {
            "kind": self.kind.value,
            "study_uid": self.study_uid,
            "state": self.state.value,
            "reason": self.reason,
            unit: self.count,
            "printer": self.printer,
        }


@dataclass
class PrintSummary:
    """Everything one patient visit did, in the order the items were handled."""

    code: str
    items: list[ItemOutcome] = field(default_factory=list)

    @property
    def delivered(self) -> list[ItemOutcome]:
        return [i for i in self.items if i.state is ItemState.DELIVERED]

    @property
    def failed(self) -> list[ItemOutcome]:
        return [i for i in self.items if i.state is ItemState.FAILED]

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "items": [i.to_json() for i in self.items]}


class JobState(enum.Enum):
    """A print job's persisted state. Rows are written before anything reaches a printer."""

    QUEUED = "queued"
    """Recorded, not yet handed to the printer."""
    SUBMITTED = "submitted"
    """The printer (spooler) accepted it; not confirmed yet."""
    PAUSED = "paused"
    """The printer reported a condition (jam, media out, door open) that needs a person."""
    COMPLETED = "completed"
    """The printer confirmed completion without error; the ledger has the delivery."""
    FAILED = "failed"
    """The printer refused or abandoned it; nothing was delivered."""
    CANCELED = "canceled"
    """Canceled by staff or by the program before completion."""
    UNKNOWN = "unknown"
    """After a crash or time-out the outcome is not known: a nurse must decide."""

    @property
    def open(self) -> bool:
        return self in (JobState.QUEUED, JobState.SUBMITTED, JobState.PAUSED)
