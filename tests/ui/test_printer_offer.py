"""An item whose printer cannot print it now is not offered: the film printer out of film,
jammed or offline, the film shows unticked (no box to tick) with the reason in words; the
report still prints. Once the printer is ready again, the next visit offers the film."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from drivers.printer.fake import FakeFault
from kiosk_app.core.models import ItemKind
from kiosk_app.ui.main_window import KioskWindow
from tests.ui.conftest import find_and_list

pytestmark = pytest.mark.ui


def _shown(window: KioskWindow, text: str) -> bool:
    return any(text in w.text() and w.isVisible() for w in window.exams.findChildren(QLabel))


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (FakeFault.MEDIA_EMPTY, "胶片打印机正在等待装入胶片，现在不能打印。请到服务台咨询。"),
        (FakeFault.JAM, "打印机暂时出现故障，现在不能打印。请到服务台咨询。"),
        (FakeFault.OFFLINE, "打印机暂时没有连接，现在不能打印。请到服务台咨询。"),
    ],
    ids=["out-of-film", "jammed", "offline"],
)
def test_a_film_its_printer_cannot_print_is_shown_unticked_with_the_reason(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    fault: FakeFault,
    words: str,
) -> None:
    assert window.kiosk is not None
    printer = window.kiosk.film_printer
    printer.fault = fault  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0001")
    found = window.found
    assert found is not None
    kinds = {found.planned[i].kind for i in window.exams.checks}
    assert kinds == {ItemKind.REPORT}  # no box for the film: nothing to tick
    assert _shown(window, words)
    assert window.exams.print_button.text() == "打印 1 份报告（1 页）"
    window.go_home()
    printer.clear_fault()  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0001")
    found = window.found
    assert found is not None
    assert {found.planned[i].kind for i in window.exams.selected()} == set(ItemKind)
