"""What may be printed now: the report-final gate, print-once with nurse-authorised reprints,
and enough film loaded before a film job starts.

Reprints: a nurse's authorisation (``services.maintenance``) is a row with a reason and a staff
id, written to the audit log; it lets the next job of that item print once more, and that job
uses it up. Film: nurses record what they load per printer and size; each sheet the printer
confirms counts one down. A film job needing more sheets than are left is refused before
anything is sent (:class:`NotEnoughFilmError`, patient message ``film.not_enough``). A size
nobody has recorded is not counted, and not refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk_app.core import messages
from kiosk_app.core.errors import KioskError
from kiosk_app.core.models import Exam, ItemKind
from kiosk_app.services.catalog import ENCAPSULATED_PDF
from kiosk_app.services.reports import is_renderable_sr


@dataclass(frozen=True)
class Decision:
    """Whether an item may print; if not, the message id and parameters that say why."""

    printable: bool
    message_id: str = ""
    params: dict[str, object] = field(default_factory=dict)

    def reason(self, locale: str = "en") -> str:
        return messages.text(self.message_id, locale, **self.params) if self.message_id else ""


PRINTABLE = Decision(True)


class NotEnoughFilmError(KioskError):
    """The film loaded in the printer is not enough for this job; nothing was sent."""

    message_id = "film.not_enough"


class FilmSizeUnsupportedError(KioskError):
    """The film printer cannot print the configured film size at its true size (its media
    list lacks it); nothing was sent. Params: ``printer``, ``size``, ``media``, ``offered``."""

    message_id = "film.size_unsupported"


class Policy:
    def __init__(self, *, print_once: bool = True) -> None:
        self.print_once = print_once

    def decide(
        self,
        exam: Exam,
        kind: ItemKind,
        last_delivered: datetime | None,
        *,
        reprint_authorised: bool = False,
    ) -> Decision:
        """May this item print now? ``reprint_authorised``: a nurse allowed one more print."""
        if exam.unavailable:
            return Decision(False, exam.unavailable, dict(exam.unavailable_params))
        if kind is ItemKind.REPORT:
            if exam.report is None:
                return Decision(False, "item.no_report")
            if not exam.report.final:
                if exam.report.expected_at:
                    return Decision(
                        False, "item.report_expected", {"time": exam.report.expected_at}
                    )
                return Decision(False, "item.report_not_final")
            sop_class = exam.report.instance.sop_class_uid
            if sop_class != ENCAPSULATED_PDF and not is_renderable_sr(sop_class):
                return Decision(
                    False,
                    "item.report_unsupported",
                    {"sop_class": exam.report.instance.sop_class_uid},
                )
        elif not exam.images:
            return Decision(False, "item.no_images")
        if self.print_once and last_delivered is not None and not reprint_authorised:
            return Decision(
                False,
                "item.already_printed",
                {"when": last_delivered.strftime("%Y-%m-%d %H:%M") + " UTC"},
            )
        return PRINTABLE


def check_film_supply(remaining: int | None, needed: int, size: str) -> None:
    """Refuse a film job the loaded film cannot finish (None: this size is not counted).

    Raises:
        NotEnoughFilmError: with ``size``, ``needed`` and ``remaining`` for the message.
    """
    if remaining is not None and remaining < needed:
        raise NotEnoughFilmError(size=size, needed=needed, remaining=remaining)
