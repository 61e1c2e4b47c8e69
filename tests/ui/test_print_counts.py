"""The print button says how much paper and film will come out, and it is what comes out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk_app.app import Devices
from kiosk_app.core.models import Exam, ItemKind
from kiosk_app.services.policy import Decision
from kiosk_app.services.visit import PlannedItem
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.screens.visit import print_text
from kiosk_app.ui.translator import install_translator
from tests.ui.conftest import demo_settings, find_and_list, shown_window, texts_of, visits_on

pytestmark = pytest.mark.ui

PATIENT_1 = "110101196803150315"  # DEMO0001 (CT, 6 slices) and DEMO0004 (MR, 3 slices)
CT, MR = "DEMO0001", "DEMO0004"


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    # Two images a sheet and three sheets of slices: the CT prints 3 sheets, the MR 2.
    settings = demo_settings(
        tmp_path, KIOSK_FILM__PLANS="CT=1x2 MR=1x2", KIOSK_FILM__SLICE_SHEETS="3"
    )
    for win in shown_window(qtbot, settings, Devices()):
        visits_on(win, date(2024, 5, 25), recent_days=365)  # both of patient 1's exams ticked
        yield win


def checks_by_item(window: KioskWindow) -> dict[tuple[str, ItemKind], object]:
    """The exam list's tick boxes by (accession number, kind)."""
    found = window.found
    assert found is not None
    return {
        (found.planned[i].exam.accession_number, found.planned[i].kind): check
        for i, check in window.exams.checks.items()
    }


def test_the_button_counts_the_pages_and_sheets_that_then_print(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    find_and_list(qtbot, window, PATIENT_1)
    assert window.exams.print_button.text() == "打印 2 份报告（2 页）和 5 张胶片"
    with qtbot.waitSignal(window.bridge.print_finished, timeout=60000) as finished:
        window.exams.print_button.click()
    kiosk = window.kiosk
    assert kiosk is not None
    # what the printers received: 5 film sheets (sent one at a time), and two one-page reports
    film_jobs = kiosk.film_printer.jobs.values()  # type: ignore[attr-defined]
    assert sum(job.pages for job in film_jobs) == 5
    report_jobs = kiosk.report_printer.jobs.values()  # type: ignore[attr-defined]
    pages = [len(PdfReader(job.path).pages) for job in report_jobs]
    assert len(pages) == 2 and sum(pages) == 2
    summary = finished.args[0]
    assert sorted(i.count for i in summary.items if i.kind is ItemKind.FILM) == [2, 3]
    # the printing screen said "sheet n of m" per film
    lines = texts_of(window.printing)
    assert "胶片 3/3" in lines and "胶片 2/2" in lines


def test_unticking_an_item_updates_the_button(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    find_and_list(qtbot, window, PATIENT_1)
    checks = checks_by_item(window)
    button = window.exams.print_button
    checks[(CT, ItemKind.REPORT)].setChecked(False)  # type: ignore[attr-defined]
    assert button.text() == "打印 1 份报告（1 页）和 5 张胶片"
    checks[(CT, ItemKind.FILM)].setChecked(False)  # type: ignore[attr-defined]
    assert button.text() == "打印 1 份报告（1 页）和 2 张胶片"
    checks[(MR, ItemKind.REPORT)].setChecked(False)  # type: ignore[attr-defined]
    assert button.text() == "打印 2 张胶片"
    checks[(MR, ItemKind.FILM)].setChecked(False)  # type: ignore[attr-defined]
    assert button.text() == "现在没有可以打印的资料" and not button.isEnabled()
    checks[(CT, ItemKind.REPORT)].setChecked(True)  # type: ignore[attr-defined]
    assert button.text() == "打印 1 份报告（1 页）" and button.isEnabled()
    window.set_language("en")  # the list is drawn again in English, the ticks kept
    assert button.text() == "Print 1 report (1 page)"
    checks = checks_by_item(window)
    assert [c.isChecked() for c in checks.values()].count(True) == 1  # type: ignore[attr-defined]
    checks[(MR, ItemKind.FILM)].setChecked(True)  # type: ignore[attr-defined]
    assert button.text() == "Print 1 report (1 page) and 2 films"


def test_one_of_each_in_english(qtbot, window: KioskWindow) -> None:  # type: ignore[no-untyped-def]
    window.set_language("en")
    find_and_list(qtbot, window, "DEMO0003")  # CR: one image, one page
    assert window.exams.print_button.text() == "Print 1 report (1 page) and 1 film"


def _item(kind: ItemKind, count: int | None) -> PlannedItem:
    exam = Exam("1.2.3", "A1", "P1", "", None, ("CT",), "")
    return PlannedItem(exam, kind, Decision(True), count)


def test_counts_not_known_are_not_guessed(qtbot) -> None:  # type: ignore[no-untyped-def]
    items = [_item(ItemKind.REPORT, 2), _item(ItemKind.REPORT, None), _item(ItemKind.FILM, None)]
    try:
        install_translator("zh_CN")
        assert print_text(items) == "打印 2 份报告和 1 组胶片"
        one_and_four = [items[0], _item(ItemKind.FILM, 4)]
        assert print_text(one_and_four) == "打印 1 份报告（2 页）和 4 张胶片"
        assert print_text([]) == "现在没有可以打印的资料"
        install_translator("en")
        assert print_text(items) == "Print 2 reports and 1 film set"
        assert print_text([_item(ItemKind.FILM, None)] * 2) == "Print 2 film sets"
        assert print_text([_item(ItemKind.REPORT, 3)]) == "Print 1 report (3 pages)"
    finally:
        install_translator("zh_CN")
