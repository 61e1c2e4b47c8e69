"""The done screen says what happened, item by item (the words come from services.outcome)."""

from __future__ import annotations

from datetime import datetime

from kiosk_app.core.models import ItemKind, ItemOutcome, ItemState, PrintSummary
from kiosk_app.ui.screens.visit import ResultScreen


def test_a_film_printed_with_the_report_not_final_names_only_the_film_tray(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = ResultScreen("zh_CN")
    qtbot.addWidget(screen)
    summary = PrintSummary(
        "ACC1",
        [
            ItemOutcome(ItemKind.REPORT, "1.2", ItemState.SKIPPED,
                        message_id="item.report_expected", params={"time": "09:00"}),
            ItemOutcome(ItemKind.FILM, "1.2", ItemState.DELIVERED, count=3),
        ],
    )  # fmt: skip
    screen.show_summary(summary, "zh_CN", now=datetime(2026, 12, 3, 10, 0))
    assert screen.headline.text() == "打印完成，请取走您的胶片。"
    assert "胶片出口" in screen.reminder.text() and "出纸口" not in screen.reminder.text()
    assert "胶片 ×3" in screen.details.text()
    assert "09:00" not in screen.details.text()  # gone by: no promise of a time
    assert "报告尚未完成。" in screen.details.text()


def test_a_jam_that_timed_out_is_not_called_done(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = ResultScreen("zh_CN")
    qtbot.addWidget(screen)
    summary = PrintSummary(
        "ACC1",
        [ItemOutcome(ItemKind.FILM, "1.2", ItemState.FAILED, message_id="printer.timeout")],
    )
    screen.show_summary(summary, "zh_CN", now=datetime(2026, 12, 3, 10, 0))
    assert "打印完成" not in screen.headline.text()
    assert screen.headline.text() == "没有打印出来。您的资料没有丢失。"
    assert "服务台" in screen.details.text()
    assert "出口" not in screen.reminder.text()
