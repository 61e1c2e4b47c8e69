"""Reading the DICOM JSON model (PS3.18 F.2) that QIDO-RS answers with."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kiosk_app.core.models import Exam, InstanceRef

STUDY_UID = "0020000D"
SERIES_UID = "0020000E"
SOP_UID = "00080018"
SOP_CLASS = "00080016"
MODALITY = "00080060"
MODALITIES_IN_STUDY = "00080061"
ACCESSION = "00080050"
PATIENT_ID = "00100020"
PATIENT_NAME = "00100010"
STUDY_DATE = "00080020"
STUDY_DESCRIPTION = "00081030"
INSTANCE_NUMBER = "00200013"


def values(obj: Mapping[str, Any], tag: str) -> list[Any]:
    element = obj.get(tag) or {}
    return list(element.get("Value") or [])


def first(obj: Mapping[str, Any], tag: str, default: Any = "") -> Any:
    found = values(obj, tag)
    return found[0] if found else default


def person_name(obj: Mapping[str, Any], tag: str) -> str:
    """The ideographic form when present (Chinese names), else the alphabetic one."""
    value = first(obj, tag, {})
    if isinstance(value, Mapping):
        return str(value.get("Ideographic") or value.get("Alphabetic") or "")
    return str(value)


def parse_da(text: str) -> date | None:
    text = (text or "").strip()
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def exam_from_json(obj: Mapping[str, Any]) -> Exam:
    return Exam(
        study_uid=str(first(obj, STUDY_UID)),
        accession_number=str(first(obj, ACCESSION)),
        patient_id=str(first(obj, PATIENT_ID)),
        patient_name=person_name(obj, PATIENT_NAME),
        study_date=parse_da(str(first(obj, STUDY_DATE))),
        modalities=tuple(str(m) for m in values(obj, MODALITIES_IN_STUDY)),
        description=str(first(obj, STUDY_DESCRIPTION)),
    )


def instance_from_json(obj: Mapping[str, Any], study_uid: str) -> InstanceRef:
    number = first(obj, INSTANCE_NUMBER, None)
    return InstanceRef(
        study_uid=str(first(obj, STUDY_UID) or study_uid),
        series_uid=str(first(obj, SERIES_UID)),
        sop_uid=str(first(obj, SOP_UID)),
        sop_class_uid=str(first(obj, SOP_CLASS)),
        modality=str(first(obj, MODALITY)),
        instance_number=int(number) if number not in (None, "") else None,
    )
