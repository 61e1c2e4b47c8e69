"""Every kind of credential a patient may present, parsed strictly per the site's rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.core import messages
from kiosk_app.core.credentials import (
    CodeRules,
    convert_legacy_id,
    id_check_digit,
    is_valid_id_number,
    parse_code,
)
from kiosk_app.core.errors import UnknownCodeError
from kiosk_app.core.models import CredentialKind

RULES = CodeRules(
    accession=r"ACC\d{6,10}|DEMO\d{4}",
    hospital_card=r"HC\d{8}",
    ehealth_card=r"[0-9A-F]{64}:[01]:\d{2}",
    insurance_voucher=r"ybm[A-Za-z0-9]{20,60}",
)
TOKEN = "KT1." + "eyJwaWQiOiJQMSJ9" + "." + "A" * 86
EHC = "0123456789ABCDEF" * 4 + ":1:01"


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("acc123456\r", CredentialKind.ACCESSION, "ACC123456"),
        ("HC 1234 5678", CredentialKind.HOSPITAL_CARD, "HC12345678"),
        ("110101199003071233", CredentialKind.NATIONAL_ID, "110101199003071233"),
        ("11010519491231002x", CredentialKind.NATIONAL_ID, "11010519491231002X"),
        # A first-generation 15-digit number becomes its 18-digit form.
        ("110105491231002", CredentialKind.NATIONAL_ID, "11010519491231002X"),
        (EHC + "\n", CredentialKind.EHEALTH_CARD, EHC),
        (
            "ybmAbCdEf0123456789xyzXYZ",
            CredentialKind.INSURANCE_VOUCHER,
            "ybmAbCdEf0123456789xyzXYZ",
        ),
        (TOKEN, CredentialKind.KIOSK_TOKEN, TOKEN),
        # Magnetic stripe: track 2 (and track 1) of a hospital card.
        (";HC12345678=2912?", CredentialKind.HOSPITAL_CARD, "HC12345678"),
        (
            "%BHC12345678^ZHANG/SAN^2912?;HC12345678=2912?",
            CredentialKind.HOSPITAL_CARD,
            "HC12345678",
        ),
        ("%B110101199003071233^ZHANG/SAN^?", CredentialKind.NATIONAL_ID, "110101199003071233"),
    ],
)
def test_each_kind_is_recognised_and_normalised(raw: str, kind: CredentialKind, value: str) -> None:
    credential = parse_code(raw, RULES)
    assert (credential.kind, credential.value) == (kind, value)


def test_default_rules_keep_the_foundations_behaviour() -> None:
    assert parse_code(" demo0001 ").kind is CredentialKind.ACCESSION
    assert parse_code("HC12345678").kind is CredentialKind.ACCESSION  # no card pattern set
    with pytest.raises(UnknownCodeError):
        parse_code(EHC)  # no e-health pattern set: not a code this site knows


def test_legacy_conversion_follows_gb_11643() -> None:
    assert convert_legacy_id("110105491231002") == "11010519491231002X"
    assert is_valid_id_number(convert_legacy_id("440524800101001"))
    with pytest.raises(ValueError):
        convert_legacy_id("110105491399002")  # month 13
    # 15 digits without a birth date are left to the accession rule.
    assert parse_code("123456789012345").kind is CredentialKind.ACCESSION


@pytest.mark.parametrize(
    ("raw", "message_id"),
    [
        ("KT1.short.sig", "code.bad_token"),
        ("11010519491231002" + "1", "code.bad_id_number"),
        (";99999=1?", "code.unknown_card"),
        ("张三", "code.unknown"),
        ("ACC12", "code.unknown"),
        ("x" * 5000, "code.unknown"),
    ],
)
def test_refusals_carry_a_message_the_patient_can_read(raw: str, message_id: str) -> None:
    with pytest.raises(UnknownCodeError) as info:
        parse_code(raw, RULES)
    assert info.value.message_id == message_id
    assert info.value.text("zh_CN") == messages.text(message_id, "zh_CN")
    assert info.value.text("en")


def test_full_width_digits_are_not_id_numbers() -> None:
    with pytest.raises(ValueError):
        id_check_digit("１１０１０１１９９００３０７１２３")
    with pytest.raises(UnknownCodeError):
        parse_code("１１０１０１１９９００３０７１２３３", RULES)


_pieces = st.sampled_from(
    ["%", ";", "?", "=", "^", "KT1.", "HC", "ACC", "X", ":", "\r", " ", "\t", EHC, "ybm"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=12)), max_size=10))
def test_fuzzed_codes_raise_only_unknown_code_errors(parts: list[str]) -> None:
    raw = "".join(parts)
    for rules in (RULES, CodeRules()):
        try:
            credential = parse_code(raw, rules)
        except UnknownCodeError as exc:
            assert exc.message_id in messages.message_ids()
            continue
        if credential.kind in (
            CredentialKind.ACCESSION,
            CredentialKind.HOSPITAL_CARD,
            CredentialKind.NATIONAL_ID,
        ):
            # Values the kiosk searches by hold only characters a query can carry.
            assert credential.value.isascii()
            assert all(c.isalnum() or c in "._-" for c in credential.value)
        if credential.kind is CredentialKind.NATIONAL_ID:
            assert is_valid_id_number(credential.value)


def test_id_cards_give_national_ids_and_nothing_else() -> None:
    from kiosk_app.core.credentials import credential_from_card

    assert credential_from_card("11010519491231002x").value == "11010519491231002X"
    for number in ("USA110075050501", "ACC123456", ""):
        with pytest.raises(UnknownCodeError) as info:
            credential_from_card(number)
        assert info.value.message_id == "code.unknown_card"
