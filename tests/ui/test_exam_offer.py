"""The confirmation screen offers a person's recent exams ticked and older ones behind "more",
unticked; an exam slip lists only its exam (kiosk_app/services/offer.py renders here)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel

from kiosk_app.core.models import ItemKind
from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import find_and_list, visible_text, visits_on

pytestmark = pytest.mark.ui

PATIENT_1 = "110101196803150315"  # DEMO0001 (CT, 2024-05-20) and DEMO0004 (MR, 2023-11-02)


def _checks(window: KioskWindow) -> dict[tuple[str, ItemKind], QCheckBox]:
    found = window.found
    assert found is not None
    return {
        (found.planned[i].exam.accession_number, found.planned[i].kind): check
        for i, check in window.exams.checks.items()
    }


def _shown(window: KioskWindow, text: str) -> bool:
    """A label holding ``text`` is on screen (not just built and hidden)."""
    return any(
        text in widget.text() and widget.isVisible() for widget in window.exams.findChildren(QLabel)
    )


def test_an_older_exam_is_listed_unticked_behind_more_and_a_recent_one_ticked(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    visits_on(window, date(2024, 6, 1))  # the CT is 12 days old, the MR 212
    find_and_list(qtbot, window, PATIENT_1)
    checks = _checks(window)
    assert set(checks) == {(a, k) for a in ("DEMO0001", "DEMO0004") for k in ItemKind}
    for kind in ItemKind:
        assert checks[("DEMO0001", kind)].isChecked() and checks[("DEMO0001", kind)].isVisible()
        assert not checks[("DEMO0004", kind)].isChecked()
        assert not checks[("DEMO0004", kind)].isVisible()  # behind "more"
    assert _shown(window, "2024-05-20") and not _shown(window, "2023-11-02")
    more = window.exams.more
    assert more is not None and more.isVisible() and more.text() == "更早的检查（1 项）"
    assert window.exams.print_button.text() == "打印 1 份报告（1 页）和 1 张胶片"

    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    assert _shown(window, "2023-11-02") and _shown(window, "更早的检查：需要时请勾选")
    assert not more.isVisible()
    for kind in ItemKind:  # listed now, still unticked: nothing more will print
        assert checks[("DEMO0004", kind)].isVisible()
        assert not checks[("DEMO0004", kind)].isChecked()
    assert window.exams.print_button.text() == "打印 1 份报告（1 页）和 1 张胶片"
    checks[("DEMO0004", ItemKind.FILM)].setChecked(True)  # the patient wants the old MR film
    assert window.exams.print_button.text() == "打印 1 份报告（1 页）和 2 组胶片"
    assert window.exams.selected() == {
        i for i, c in window.exams.checks.items() if c in (
            checks[("DEMO0001", ItemKind.REPORT)], checks[("DEMO0001", ItemKind.FILM)],
            checks[("DEMO0004", ItemKind.FILM)],
        )
    }  # fmt: skip

    window.set_language("en")  # drawn again: the list stays open, the ticks stay
    checks = _checks(window)
    qtbot.waitUntil(lambda: _shown(window, "Earlier exams: tick what you need"))
    assert _shown(window, "2023-11-02") and not window.exams.more.isVisible()  # type: ignore[union-attr]
    assert checks[("DEMO0004", ItemKind.FILM)].isChecked()
    assert not checks[("DEMO0004", ItemKind.REPORT)].isChecked()


def test_with_no_recent_exam_the_older_ones_are_shown_at_once_unticked(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    window.set_language("en")
    visits_on(window, date(2025, 1, 10))  # both exams long past
    find_and_list(qtbot, window, PATIENT_1)
    assert _shown(window, "You have no exams from the last 30 days.")
    assert _shown(window, "2024-05-20") and _shown(window, "2023-11-02")
    assert window.exams.more is not None and not window.exams.more.isVisible()
    checks = window.exams.findChildren(QCheckBox)
    assert len(checks) == 4 and not any(c.isChecked() for c in checks)
    assert window.exams.print_button.text() == "Nothing can be printed now"
    assert not window.exams.print_button.isEnabled()


def test_an_exam_slip_lists_only_its_exam_ticked_however_old(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    visits_on(window, date(2026, 12, 3))  # the MR is three years old
    find_and_list(qtbot, window, "DEMO0004")
    text = visible_text(window)
    assert "2023-11-02" in text and "2024-05-20" not in text
    assert window.exams.more is None
    checks = _checks(window)
    assert set(checks) == {("DEMO0004", ItemKind.REPORT), ("DEMO0004", ItemKind.FILM)}
    assert all(c.isChecked() and c.isVisible() for c in checks.values())
