"""Policy: print-once unless a nurse authorised a reprint; film enough for the job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk_app.core.models import Exam, InstanceRef, ItemKind
from kiosk_app.services.policy import NotEnoughFilmError, Policy, check_film_supply

IMAGE = InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5")
EXAM = Exam("1.2.3", "A", "P", "T", None, ("CT",), "CT", images=(IMAGE,))


def test_print_once_unless_a_reprint_is_authorised() -> None:
    policy = Policy()
    when = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    held = policy.decide(EXAM, ItemKind.FILM, when)
    assert held.message_id == "item.already_printed" and "2026-11-26 09:30" in held.reason()
    assert policy.decide(EXAM, ItemKind.FILM, when, reprint_authorised=True).printable
    assert policy.decide(EXAM, ItemKind.FILM, None).printable
    assert Policy(print_once=False).decide(EXAM, ItemKind.FILM, when).printable


def test_a_film_job_is_refused_when_the_loaded_film_is_not_enough() -> None:
    check_film_supply(None, 50, "14INX17IN")  # a size nobody counts is not refused
    check_film_supply(3, 3, "14INX17IN")
    with pytest.raises(NotEnoughFilmError) as refused:
        check_film_supply(2, 3, "14INX17IN")
    assert refused.value.message_id == "film.not_enough"
    assert "3 sheet(s)" in refused.value.text("en") and "2 left" in refused.value.text("en")
    assert "胶片不足" in refused.value.text("zh_CN")
