"""Strict parsing of what a patient presents: exam-slip accession numbers and ID numbers.

Anything that is not clearly one of these is refused with a message the patient understands;
a guess could show someone else's exams.
"""

from __future__ import annotations

import re

from kiosk_app.core.errors import UnknownCodeError
from kiosk_app.core.models import Credential, CredentialKind

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_ACCESSION = re.compile(r"^[A-Z0-9][A-Z0-9._-]{3,31}$")


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    value = value.strip().upper()
    return bool(_ID_SHAPE.match(value)) and id_check_digit(value[:17]) == value[17]


def parse_code(raw: str) -> Credential:
    """What ``raw`` is, or UnknownCodeError.

    Scanners add suffixes and people add spaces: surrounding white space is dropped and
    letters are upper-cased. An 18-character all-digit (or digits + X) code is taken as a
    resident ID number and must carry a valid check digit.
    """
    value = "".join(raw.split()).upper()
    if _ID_SHAPE.match(value):
        if id_check_digit(value[:17]) != value[17]:
            raise UnknownCodeError("code.bad_id_number")
        return Credential(CredentialKind.NATIONAL_ID, value)
    if _ACCESSION.match(value):
        return Credential(CredentialKind.ACCESSION, value)
    raise UnknownCodeError()
