"""What the done screen says, from what became of each item (Qt-free, so every combination is
unit-tested): only what did print is called printed, only its tray is named, what did not
print says why and what to do, and a pending report's expected time only while it is ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kiosk_app.core.models import ItemKind, ItemOutcome, ItemState


@dataclass(frozen=True)
class ItemLine:
    """One item's line: its kind, its state, the count printed, and why (a message id)."""

    kind: ItemKind
    state: ItemState
    count: int
    message_id: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DoneView:
    headline_id: str
    """``ui.done_both``, ``ui.done_report``, ``ui.done_film``, ``ui.not_printed`` or
    ``ui.nothing_new``."""
    trays_id: str
    """Where to take what printed: ``ui.collect`` (both trays), ``ui.collect_report``,
    ``ui.collect_film``; empty when nothing printed."""
    lines: tuple[ItemLine, ...]
    failed_id: str
    """``ui.failed_help`` when something meant to print did not (what to do), else empty."""


def done_view(items: Sequence[ItemOutcome], now: datetime) -> DoneView:
    """The done screen for ``items``; ``now``: the kiosk's local time (expected times are the
    hospital's local time too)."""
    printed = {i.kind for i in items if i.state is ItemState.DELIVERED}
    failed = any(i.state is ItemState.FAILED for i in items)
    if printed == {ItemKind.REPORT, ItemKind.FILM}:
        headline, trays = "ui.done_both", "ui.collect"
    elif printed == {ItemKind.REPORT}:
        headline, trays = "ui.done_report", "ui.collect_report"
    elif printed == {ItemKind.FILM}:
        headline, trays = "ui.done_film", "ui.collect_film"
    else:
        headline, trays = ("ui.not_printed" if failed else "ui.nothing_new"), ""
    lines = tuple(_line(i, now) for i in items)
    return DoneView(headline, trays, lines, "ui.failed_help" if failed else "")


def _line(item: ItemOutcome, now: datetime) -> ItemLine:
    message_id, params = item.message_id, dict(item.params)
    if message_id == "item.report_expected" and not _ahead(str(params.get("time", "")), now):
        message_id, params = "item.report_not_final", {}  # a time gone by promises nothing
    count = item.count if item.state is ItemState.DELIVERED else 0
    return ItemLine(item.kind, item.state, count, message_id, params)


def _ahead(when: str, now: datetime) -> bool:
    """Whether ``HH:MM`` (today) or ``YYYY-MM-DD HH:MM`` is still to come; unreadable: no."""
    try:
        if len(when) == 5:
            at = datetime.combine(now.date(), datetime.strptime(when, "%H:%M").time())
        else:
            at = datetime.strptime(when, "%Y-%m-%d %H:%M")
    except ValueError:
        return False
    return at > now.replace(tzinfo=None)
