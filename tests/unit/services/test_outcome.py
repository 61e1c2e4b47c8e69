"""The done screen's words for every combination of what became of a report and a film."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk_app.core import messages
from kiosk_app.core.models import ItemKind, ItemOutcome, ItemState
from kiosk_app.services.outcome import done_view

NOW = datetime(2026, 12, 3, 10, 30)
R, F = ItemKind.REPORT, ItemKind.FILM
D, S, X = ItemState.DELIVERED, ItemState.SKIPPED, ItemState.FAILED


def item(kind: ItemKind, state: ItemState, message_id: str = "", **params: object) -> ItemOutcome:
    return ItemOutcome(kind, "1.2.3", state, count=2 if state is D else 0,
                       message_id=message_id, params=params)  # fmt: skip


@pytest.mark.parametrize(
    ("report", "film", "headline", "trays", "failed"),
    [
        (D, D, "ui.done_both", "ui.collect", ""),
        (D, S, "ui.done_report", "ui.collect_report", ""),
        (S, D, "ui.done_film", "ui.collect_film", ""),
        (D, X, "ui.done_report", "ui.collect_report", "ui.failed_help"),
        (X, D, "ui.done_film", "ui.collect_film", "ui.failed_help"),
        (S, S, "ui.nothing_new", "", ""),
        (X, S, "ui.not_printed", "", "ui.failed_help"),
        (S, X, "ui.not_printed", "", "ui.failed_help"),
        (X, X, "ui.not_printed", "", "ui.failed_help"),
    ],
)
def test_only_what_printed_is_called_printed_and_only_its_tray_is_named(
    report: ItemState, film: ItemState, headline: str, trays: str, failed: str
) -> None:
    view = done_view([item(R, report), item(F, film)], NOW)
    assert (view.headline_id, view.trays_id, view.failed_id) == (headline, trays, failed)
    assert [(line.kind, line.state) for line in view.lines] == [(R, report), (F, film)]
    assert [line.count for line in view.lines] == [2 if s is D else 0 for s in (report, film)]
    for message_id in (headline, trays, failed):
        assert not message_id or message_id in messages.message_ids()


def test_a_film_alone_or_a_report_alone() -> None:
    assert done_view([item(F, D)], NOW).headline_id == "ui.done_film"
    assert done_view([item(R, D)], NOW).trays_id == "ui.collect_report"
    assert done_view([], NOW).headline_id == "ui.nothing_new"


@pytest.mark.parametrize(
    ("time", "kept"),
    [
        ("11:00", True),  # later today
        ("10:00", False),  # earlier today: gone by
        ("2026-12-04 08:00", True),
        ("2026-12-02 16:00", False),
        ("soon", False),  # unreadable: no promise
    ],
)
def test_a_pending_reports_expected_time_is_shown_only_while_it_is_ahead(
    time: str, kept: bool
) -> None:
    view = done_view([item(R, S, "item.report_expected", time=time), item(F, D)], NOW)
    line = view.lines[0]
    if kept:
        assert (line.message_id, dict(line.params)) == ("item.report_expected", {"time": time})
    else:
        assert (line.message_id, dict(line.params)) == ("item.report_not_final", {})
    assert view.headline_id == "ui.done_film"
