"""Strict parsing of what a patient presents: exam slips, cards, ID numbers, QR codes, tokens.

Anything that is not clearly one of these is refused with a message the patient understands
(an UnknownCodeError carrying a message id); a guess could show someone else's exams. What a
site's codes look like (accession numbers, hospital card numbers, e-health and e-voucher QR
payloads) comes from ``[identity]`` in the settings as :class:`CodeRules`.

The order matters and is fixed: a kiosk token; an e-health card or insurance e-voucher QR
payload (opaque, case kept); magnetic-stripe track data; an 18-character resident ID number;
a hospital card number; a 15-digit legacy ID number; an accession number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kiosk_app.core.errors import UnknownCodeError
from kiosk_app.core.models import Credential, CredentialKind

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_LEGACY_ID = re.compile(r"^\d{15}$")
ACCESSION_DEFAULT = r"[A-Z0-9][A-Z0-9._-]{3,31}"
TOKEN_PREFIX = "KT1."
_TOKEN_SHAPE = re.compile(r"^KT1\.[A-Za-z0-9_-]{8,2048}\.[A-Za-z0-9_-]{43,128}$")
_TRACK = re.compile(r"[%;+]([^?%;+]*)\?")
#: what a value the kiosk searches by may hold (DICOMweb queries carry it unescaped)
_SAFE = re.compile(r"^[A-Z0-9._-]{1,64}$")
_MAX_RAW = 4096


@dataclass(frozen=True)
class CodeRules:
    """What this site's codes look like. Patterns are full-match regular expressions; an
    empty pattern means the site has no such code."""

    accession: str = ACCESSION_DEFAULT
    """Exam-slip accession numbers, matched after upper-casing and removing spaces."""
    hospital_card: str = ""
    """Hospital card (就诊卡) numbers, matched after upper-casing and removing spaces."""
    ehealth_card: str = ""
    """E-health card QR payloads, matched as scanned (case kept)."""
    insurance_voucher: str = ""
    """Insurance e-voucher QR payloads, matched as scanned (case kept)."""
    legacy_id_numbers: bool = True
    """Accept 15-digit first-generation ID numbers (converted to 18 digits)."""


DEFAULT_RULES = CodeRules()


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return bool(compiled and compiled.fullmatch(value))


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("need exactly 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    value = value.strip().upper()
    return (
        value.isascii() and bool(_ID_SHAPE.match(value)) and id_check_digit(value[:17]) == value[17]
    )


def _valid_birth_date(text: str) -> bool:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return date(1880, 1, 1) <= born


def convert_legacy_id(value: str) -> str:
    """The 18-digit form of a 15-digit first-generation ID number (century 19, new check digit).

    Raises ValueError when it is not a 15-digit number with a real birth date.
    """
    if not (value.isascii() and _LEGACY_ID.match(value)):
        raise ValueError("need exactly 15 digits")
    first17 = value[:6] + "19" + value[6:]
    if not _valid_birth_date(first17[6:14]):
        raise ValueError("no valid birth date")
    return first17 + id_check_digit(first17)


def _track_value(raw: str) -> str | None:
    """The card number in magnetic-stripe track data, or None when ``raw`` is not track data.

    Track 2/3 (``;1234567890=...?``): the digits before the field separator. Track 1
    (``%B1234^NAME^...?``): the number after the format code.
    """
    if not raw.startswith(("%", ";", "+")):
        return None
    by_start = {m.group(0)[0]: m.group(1) for m in _TRACK.finditer(raw)}
    if not by_start:
        return None
    if ";" in by_start:
        return by_start[";"].split("=", 1)[0]
    if "%" in by_start:
        field = by_start["%"].split("^", 1)[0]
        return field[1:] if field[:1].isalpha() else field
    return by_start["+"].split("=", 1)[0]


def _normalised(raw: str) -> str:
    return "".join(raw.split()).upper()


def parse_code(raw: str, rules: CodeRules = DEFAULT_RULES) -> Credential:
    """What ``raw`` is, or UnknownCodeError with a message id saying why.

    Scanners add suffixes and people add spaces: surrounding white space is dropped, and codes
    that are numbers or accession-like are upper-cased with inner spaces removed.
    """
    if len(raw) > _MAX_RAW:
        raise UnknownCodeError()
    stripped = raw.strip()
    if stripped.startswith(TOKEN_PREFIX):
        if not _TOKEN_SHAPE.match(stripped):
            raise UnknownCodeError("code.bad_token")
        return Credential(CredentialKind.KIOSK_TOKEN, stripped)
    if _matches(rules.ehealth_card, stripped):
        return Credential(CredentialKind.EHEALTH_CARD, stripped)
    if _matches(rules.insurance_voucher, stripped):
        return Credential(CredentialKind.INSURANCE_VOUCHER, stripped)
    track = _track_value(stripped)
    if track is not None:
        return _number(_normalised(track), rules, from_track=True)
    return _number(_normalised(raw), rules, from_track=False)


def _number(value: str, rules: CodeRules, *, from_track: bool) -> Credential:
    if not value.isascii() or not _SAFE.match(value):
        raise UnknownCodeError()
    if _ID_SHAPE.match(value):
        if id_check_digit(value[:17]) != value[17]:
            raise UnknownCodeError("code.bad_id_number")
        return Credential(CredentialKind.NATIONAL_ID, value)
    if _matches(rules.hospital_card, value):
        return Credential(CredentialKind.HOSPITAL_CARD, value)
    if rules.legacy_id_numbers and _LEGACY_ID.match(value):
        try:
            return Credential(CredentialKind.NATIONAL_ID, convert_legacy_id(value))
        except ValueError:
            pass  # not an ID number after all; it may still be an accession number
    if from_track:
        # A card stripe is never an exam slip.
        raise UnknownCodeError("code.unknown_card")
    if _matches(rules.accession, value):
        return Credential(CredentialKind.ACCESSION, value)
    raise UnknownCodeError()


def credential_from_card(id_number: str) -> Credential:
    """The credential of an ID card read by the card reader.

    Resident ID cards, Hong Kong/Macau/Taiwan residence permits and the 2023 foreign permanent
    resident ID carry an 18-character number with a GB 11643 check digit. Anything else (the
    2017 foreign permanent resident card's 15-character number) is refused: a card number is
    never taken for an exam slip.
    """
    value = id_number.strip().upper()
    if not is_valid_id_number(value):
        raise UnknownCodeError("code.unknown_card")
    return Credential(CredentialKind.NATIONAL_ID, value)
