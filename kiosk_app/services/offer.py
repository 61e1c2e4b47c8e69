"""Which exams a visit offers, and which of them are ticked when the list appears.

* An exam slip (accession number) names one exam: only that exam is offered, ticked, however
  old it is (the patient came for it).
* Every other credential (ID card or number, hospital card, e-health card, insurance voucher,
  kiosk token) names a person, whose archive may hold years of exams. The exams of the last
  ``[policy] recent_days`` days are offered ticked; older ones are listed too, but not ticked,
  behind "more" on the screen, and ``kiosk print`` leaves them out. An elderly patient must not
  print ten years of films by tapping an ID card.

"Recent" is counted on the exam's study date against the kiosk's local date: an exam of
``today - recent_days`` is still recent, one a day older is not. An exam without a study date
is not recent (nothing says it is; it can still be ticked by hand). A study date after today
(a modality clock ahead, a time-zone slip) counts as recent.

Qt-free: the screen renders what this says, ``kiosk print`` prints the ticked ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kiosk_app.core.models import Credential, CredentialKind, Exam

DEFAULT_RECENT_DAYS = 30


@dataclass(frozen=True)
class Offer:
    """A visit's exams split into those ticked and those listed behind "more"."""

    ticked: tuple[Exam, ...]
    older: tuple[Exam, ...] = ()

    def is_ticked(self, exam: Exam) -> bool:
        return any(e.study_uid == exam.study_uid for e in self.ticked)


def is_recent(exam: Exam, today: date, recent_days: int) -> bool:
    """The exam's study date is within ``recent_days`` days before ``today`` (or after it)."""
    if exam.study_date is None:
        return False
    return (today - exam.study_date).days <= recent_days


def offer(credential: Credential, exams: Sequence[Exam], *, today: date, recent_days: int) -> Offer:
    """What the visit for ``credential`` offers of ``exams`` (newest first, as found)."""
    if recent_days < 0:
        raise ValueError("recent_days must be 0 or more")
    if credential.kind is CredentialKind.ACCESSION:
        wanted = credential.value.upper()
        return Offer(tuple(e for e in exams if e.accession_number.upper() == wanted))
    ticked = tuple(e for e in exams if is_recent(e, today, recent_days))
    older = tuple(e for e in exams if not is_recent(e, today, recent_days))
    return Offer(ticked, older)
