"""The card's data: the read response's lengths, the 256-byte text block and its layouts.

Text is UCS-2 little-endian padded with spaces. Bytes 248-249 say which card it is: a space
for the resident ID card, ``I`` the 2017 foreign permanent resident ID, ``J`` the Hong Kong /
Macau / Taiwan residence permit, ``Y`` the 2023 foreign permanent resident ID. The photo stays
the opaque 1024 bytes the card holds (decoding WLT needs the vendor's licensed library).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.idcard.errors import CardDataError

TEXT_LENGTH = 256


class CardType(enum.Enum):
    """Which document the text block describes (its byte 248)."""

    RESIDENT = " "
    """2nd-generation resident ID card (居民身份证)."""
    FOREIGN_2017 = "I"
    """2017 foreign permanent resident ID card (外国人永久居留身份证)."""
    HMT_PERMIT = "J"
    """Hong Kong/Macau/Taiwan residents' residence permit (港澳台居民居住证)."""
    FOREIGN_2023 = "Y"
    """2023 foreign permanent resident ID card (新版外国人永久居留身份证)."""


SEX = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}

# (field, offset, bytes) per layout.
_LAYOUTS: dict[CardType, tuple[tuple[str, int, int], ...]] = {
    CardType.RESIDENT: (
        ("name", 0, 30),
        ("sex", 30, 2),
        ("ethnic_code", 32, 4),
        ("birth_date", 36, 16),
        ("address", 52, 70),
        ("id_number", 122, 36),
        ("issuing_authority", 158, 30),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
    ),
    CardType.HMT_PERMIT: (
        ("name", 0, 30),
        ("sex", 30, 2),
        ("birth_date", 36, 16),
        ("address", 52, 70),
        ("id_number", 122, 36),
        ("issuing_authority", 158, 30),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
        ("travel_permit_number", 220, 18),
        ("issue_count", 238, 4),
    ),
    CardType.FOREIGN_2017: (
        ("english_name", 0, 120),
        ("sex", 120, 2),
        ("id_number", 122, 30),
        ("nationality", 152, 6),
        ("name", 158, 30),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
        ("birth_date", 220, 16),
        ("card_version", 236, 4),
        ("issuing_authority", 240, 8),
    ),
    CardType.FOREIGN_2023: (
        ("name", 0, 30),
        ("sex", 30, 2),
        ("renewal_count", 32, 4),
        ("birth_date", 36, 16),
        ("english_name", 52, 70),
        ("id_number", 122, 36),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
        ("english_name_rest", 220, 22),
        ("nationality", 242, 6),
        ("old_number_link", 250, 6),
    ),
}


@dataclass(frozen=True)
class IdCard:
    """One card as read. ``id_number`` is the number a hospital registers the person under."""

    card_type: CardType
    name: str
    sex: str
    birth_date: str
    id_number: str
    valid_from: str
    valid_to: str
    address: str = ""
    ethnic_code: str = ""
    issuing_authority: str = ""
    english_name: str = ""
    nationality: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    photo: bytes = field(default=b"", repr=False)
    """The photo as stored on the card (WLT-compressed, opaque)."""
    fingerprint: bytes = field(default=b"", repr=False)

    def fields(self) -> dict[str, str]:
        """Every text field, for ``kiosk read-card`` (never for logs)."""
        out = {
            "card_type": self.card_type.name.lower(),
            "name": self.name,
            "english_name": self.english_name,
            "sex": self.sex,
            "ethnic_code": self.ethnic_code,
            "nationality": self.nationality,
            "birth_date": self.birth_date,
            "address": self.address,
            "id_number": self.id_number,
            "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            **self.extra,
            "photo_bytes": str(len(self.photo)),
        }
        return {k: v for k, v in out.items() if v != ""}


def _text(block: bytes, offset: int, size: int) -> str:
    try:
        raw = block[offset : offset + size].decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise CardDataError("idcard.bad_text", f"text at {offset} is not UCS-2: {exc}") from None
    return raw.replace("\x00", " ").strip()


def card_type_of(block: bytes) -> CardType:
    flag = block[248:250]
    if flag in (b"\x20\x00", b"\x00\x00"):
        return CardType.RESIDENT
    try:
        return CardType(flag.decode("utf-16-le"))
    except (UnicodeDecodeError, ValueError):
        raise CardDataError("idcard.card_type", f"unknown card type flag {flag.hex()}") from None


def parse_text_block(block: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCard:
    """The fields of a 256-byte text block. Raises CardDataError."""
    if len(block) != TEXT_LENGTH:
        raise CardDataError("idcard.bad_text", f"text block of {len(block)} bytes, not 256")
    kind = card_type_of(block)
    values = {name: _text(block, offset, size) for name, offset, size in _LAYOUTS[kind]}
    if kind is CardType.FOREIGN_2023:
        # Characters 1-35 and 36-46 of one name: join before trimming, a space may sit between.
        values.pop("english_name_rest")
        values["english_name"] = _text(block[52:122] + block[220:242], 0, 92)
    sex_code = values.pop("sex", "")
    common = {
        name: values.pop(name, "")
        for name in (
            "name",
            "birth_date",
            "id_number",
            "valid_from",
            "valid_to",
            "address",
            "ethnic_code",
            "issuing_authority",
            "english_name",
            "nationality",
        )
    }
    return IdCard(
        card_type=kind,
        sex=SEX.get(sex_code, sex_code),
        extra={k: v for k, v in values.items() if v},
        photo=photo,
        fingerprint=fingerprint,
        **common,
    )


def split_read_data(data: bytes, *, with_fingerprint: bool) -> tuple[bytes, bytes, bytes]:
    """(text, photo, fingerprint) from a read response's data (after SW1-SW3).

    ``30 01`` data: TL(2) PL(2) text photo; ``30 10`` adds FL(2) and the fingerprint.
    """
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise CardDataError("idcard.bad_lengths", f"read data of {len(data)} bytes")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if text_len != TEXT_LENGTH or len(data) != head + text_len + photo_len + fp_len:
        raise CardDataError(
            "idcard.bad_lengths",
            f"lengths text {text_len} photo {photo_len} fingerprint {fp_len} "
            f"do not add up to {len(data) - head} data bytes",
        )
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len :]
    return text, photo, fingerprint


def build_text_block(card: IdCard) -> bytes:
    """The 256-byte text block of ``card`` (the simulator's side; resident and J layouts,
    plus I and Y for tests)."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LENGTH // 2))
    reverse_sex = {v: k for k, v in SEX.items()}
    values = {
        "name": card.name,
        "sex": reverse_sex.get(card.sex, card.sex),
        "ethnic_code": card.ethnic_code,
        "birth_date": card.birth_date,
        "address": card.address,
        "id_number": card.id_number,
        "issuing_authority": card.issuing_authority,
        "valid_from": card.valid_from,
        "valid_to": card.valid_to,
        "english_name": card.english_name,
        "nationality": card.nationality,
        **card.extra,
    }
    if card.card_type is CardType.FOREIGN_2023:
        values["english_name"], values["english_name_rest"] = (
            card.english_name[:35],
            card.english_name[35:],
        )
    for name, offset, size in _LAYOUTS[card.card_type]:
        encoded = values.get(name, "").encode("utf-16-le")[:size]
        block[offset : offset + len(encoded)] = encoded
    flag = card.card_type.value.encode("utf-16-le")
    block[248:250] = flag
    return bytes(block)
