"""What may be printed now: the report-final gate and print-once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk_app.core import messages
from kiosk_app.core.models import Exam, ItemKind
from kiosk_app.services.catalog import ENCAPSULATED_PDF


@dataclass(frozen=True)
class Decision:
    """Whether an item may print; if not, the message id and parameters that say why."""

    printable: bool
    message_id: str = ""
    params: dict[str, object] = field(default_factory=dict)

    def reason(self, locale: str = "en") -> str:
        return messages.text(self.message_id, locale, **self.params) if self.message_id else ""


PRINTABLE = Decision(True)


class Policy:
    def __init__(self, *, print_once: bool = True) -> None:
        self.print_once = print_once

    def decide(self, exam: Exam, kind: ItemKind, last_delivered: datetime | None) -> Decision:
        if kind is ItemKind.REPORT:
            if exam.report is None:
                return Decision(False, "item.no_report")
            if not exam.report.final:
                if exam.report.expected_at:
                    return Decision(
                        False, "item.report_expected", {"time": exam.report.expected_at}
                    )
                return Decision(False, "item.report_not_final")
            if exam.report.instance.sop_class_uid != ENCAPSULATED_PDF:
                return Decision(
                    False,
                    "item.report_unsupported",
                    {"sop_class": exam.report.instance.sop_class_uid},
                )
        elif not exam.images:
            return Decision(False, "item.no_images")
        if self.print_once and last_delivered is not None:
            return Decision(
                False,
                "item.already_printed",
                {"when": last_delivered.strftime("%Y-%m-%d %H:%M") + " UTC"},
            )
        return PRINTABLE
