from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.core.credentials import id_check_digit, is_valid_id_number, parse_code
from kiosk_app.core.errors import UnknownCodeError
from kiosk_app.core.models import CredentialKind

# The GB 11643 worked example: 11010519491231002X.
VALID_ID = "11010519491231002X"


def test_check_digit_of_the_standard_example() -> None:
    assert id_check_digit(VALID_ID[:17]) == "X"
    assert is_valid_id_number(VALID_ID)
    assert is_valid_id_number(VALID_ID.lower())


def test_accession_numbers_are_normalised() -> None:
    cred = parse_code("  demo0001\r\n")
    assert cred.kind is CredentialKind.ACCESSION
    assert cred.value == "DEMO0001"
    assert cred.last4 == "0001"


def test_id_number_with_wrong_check_digit_is_refused_with_its_own_message() -> None:
    with pytest.raises(UnknownCodeError) as info:
        parse_code(VALID_ID[:17] + "1")
    assert info.value.message_id == "code.bad_id_number"
    assert "校验" in info.value.text("zh_CN")


def test_valid_id_number() -> None:
    assert parse_code(VALID_ID).kind is CredentialKind.NATIONAL_ID


@pytest.mark.parametrize("raw", ["", "ab", "DEMO 0001?", "../etc/passwd", "A" * 40, "张三"])
def test_garbage_is_an_unknown_code(raw: str) -> None:
    with pytest.raises(UnknownCodeError) as info:
        parse_code(raw)
    assert info.value.message_id == "code.unknown"
    assert info.value.exit_code != 0


@given(st.text(max_size=60))
def test_parse_code_never_crashes_and_accepts_only_safe_values(raw: str) -> None:
    try:
        cred = parse_code(raw)
    except UnknownCodeError:
        return
    assert cred.value.isascii()
    assert all(c.isalnum() or c in "._-" for c in cred.value)
    if cred.kind is CredentialKind.NATIONAL_ID:
        assert is_valid_id_number(cred.value)
