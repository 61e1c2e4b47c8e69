"""Every screen of the kiosk window with the content that stresses it most, and what a patient
would see wrong on it: a button partly off the window, a text cut short.

:func:`walk` puts each screen on show in turn (home, keypad, finding and its "slow" line, the
exam list with five exams and the earlier ones opened, printing and paused, every kind of done
screen, an error, the idle countdown, the login and each maintenance tab with a fault) and
yields its name; :func:`layout_problems` says what does not fit on the one showing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from kiosk_app.core.models import (
    Credential,
    CredentialKind,
    Exam,
    InstanceRef,
    ItemKind,
    ItemOutcome,
    ItemState,
    JobState,
    PrintSummary,
    ReportInfo,
)
from kiosk_app.services.device_status import DeviceCondition, Severity
from kiosk_app.services.fleet import ClaimState, ClaimView
from kiosk_app.services.maintenance import WaitingJob
from kiosk_app.services.policy import PRINTABLE, Decision
from kiosk_app.services.visit import PlannedItem
from kiosk_app.ui.bridge import FoundVisit
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.maintenance.panel import Overview, Tile

#: exams with long descriptions, one of each state a row can be in
EXAMS = (
    ("CT", "胸部平扫+增强 (Chest CT with and without contrast)", PRINTABLE, PRINTABLE),
    ("MR", "头颅 MRI 平扫 + DWI + MRA (Brain MRI with diffusion)", PRINTABLE, PRINTABLE),
    (
        "DX",
        "胸部正侧位 (Chest X-ray, two views)",
        Decision(False, "item.report_expected", {"time": "23:59"}),
        PRINTABLE,
    ),
    (
        "US",
        "腹部彩超 (Abdominal ultrasound)",
        Decision(False, "item.already_printed", {"when": "2026-12-01 09:30"}),
        Decision(False, "item.no_images"),
    ),
    (
        "MG",
        "双侧乳腺钼靶 (Bilateral mammography)",
        Decision(False, "item.in_progress", {"state": "paused"}),
        Decision(False, "item.report_unsupported", {"sop_class": "1.2.840.10008.5.1.4.1.1.88"}),
    ),
)


def many_exams(older: bool = True) -> FoundVisit:
    """A patient with five recent exams (every state a row shows) and, with ``older``, two
    earlier ones behind "more"."""
    exams = []
    planned = []
    rows = list(EXAMS) + (list(EXAMS[:2]) if older else [])
    for number, (modality, description, report, film) in enumerate(rows):
        uid = f"1.2.826.0.1.3680043.10.1.{number}"
        ref = InstanceRef(uid, f"{uid}.1", f"{uid}.1.1", "1.2.840.10008.5.1.4.1.1.104.1")
        exam = Exam(
            study_uid=uid,
            accession_number=f"ACC{number:04d}",
            patient_id="P1",
            patient_name="欧阳^娜娜",
            study_date=date(2026, 12, 1) if number < len(EXAMS) else date(2025, 3, 1),
            modalities=(modality,),
            description=description,
            report=ReportInfo(ref, final=report.printable),
        )
        exams.append(exam)
        ticked = number < len(EXAMS)
        planned.append(
            PlannedItem(exam, ItemKind.REPORT, report, 2 if report.printable else None, ticked)
        )
        planned.append(
            PlannedItem(exam, ItemKind.FILM, film, 4 if film.printable else None, ticked)
        )
    credential = Credential(CredentialKind.NATIONAL_ID, "11010119680315031X")
    return FoundVisit("11010119680315031X", credential, exams, planned, 30)


#: every kind of done screen: all printed; part held back and part failed; nothing printed
SUMMARIES = {
    "done-all": [
        ItemOutcome(ItemKind.REPORT, "1.1", ItemState.DELIVERED, count=2),
        ItemOutcome(ItemKind.FILM, "1.1", ItemState.DELIVERED, count=5),
    ],
    "done-mixed": [
        ItemOutcome(ItemKind.REPORT, "1.1", ItemState.SKIPPED,
                    message_id="item.report_expected", params={"time": "23:59"}),
        ItemOutcome(ItemKind.FILM, "1.1", ItemState.DELIVERED, count=3),
        ItemOutcome(ItemKind.FILM, "1.2", ItemState.FAILED, message_id="printer.timeout",
                    params={"printer": "film", "seconds": 300, "detail": "media-jam"}),
        ItemOutcome(ItemKind.REPORT, "1.3", ItemState.SKIPPED,
                    message_id="item.already_printed", params={"when": "2026-12-01"}),
    ],
    "done-failed": [
        ItemOutcome(ItemKind.FILM, "1.2", ItemState.FAILED, message_id="printer.timeout",
                    params={"printer": "film", "seconds": 300, "detail": "media-jam"}),
    ],
}  # fmt: skip


def overview() -> Overview:
    """The nurse's first screen with a jammed film printer, a low paper tray, the cloud
    down, two jobs waiting and another kiosk's item of unknown outcome."""
    jam = DeviceCondition("media-jam", Severity.ERROR, "Film jam", "media-jam-error")
    low = DeviceCondition("media-low", Severity.WARNING, "Paper low", "media-low-report")
    now = datetime(2026, 12, 4, 10, 0)
    jobs = [
        WaitingJob(7, ItemKind.FILM, JobState.PAUSED, "film", 5, 2, "media-jam", "", "ACC1", now),
        WaitingJob(8, ItemKind.REPORT, JobState.UNKNOWN, "report", 2, 0, "", "", "ACC2", now),
    ]
    return Overview(
        [
            Tile("film", "Film printer", "fault", [jam]),
            Tile("report", "Report printer", "warn", [low]),
            Tile("cloud", "Imaging cloud", "fault", detail="unreachable"),
        ],
        jobs,
        [("film", "14INX17IN", 3), ("report", "A4", 40)],
        [(now, "nurse01", "maintenance.entered", "")] * 12,
        [
            ClaimView(
                "1.2.3.4.5.6.7.8.9:film", "film", "1.2.826.0.1.3680043.10.1.1", "kiosk-02",
                ClaimState.UNKNOWN, now, now, "the kiosk stopped answering",
            )
        ],
    )  # fmt: skip


def _show(window: KioskWindow, screen: QWidget) -> None:
    """``screen`` on show, without the session (it stays home, and its way home would
    reset the language and contrast under test)."""
    window.stack.setCurrentWidget(screen)
    _settle()


def _settle() -> None:
    QApplication.processEvents()
    QApplication.processEvents()


def walk(window: KioskWindow, language: str, high_contrast: bool) -> Iterator[str]:
    """Show every screen in turn in ``language`` and contrast; yield its name."""
    window.set_language(language)
    window.set_high_contrast(high_contrast)
    _show(window, window.home)
    yield "home"
    _show(window, window.keypad)
    window.keypad.code.setText("DEMO0001DEMO0001")
    _settle()
    yield "keypad"
    window.keypad.clear()
    finding = window.finding
    window.stack.setCurrentWidget(finding)
    finding.start()
    for _ in range(8):
        finding._tick()  # the "still trying" line
    _settle()
    yield "finding-slow"
    finding.stop()
    exams = window.exams
    window.stack.setCurrentWidget(exams)
    exams.show_visit(many_exams())
    _settle()
    yield "exams"
    exams.show_older()
    _settle()
    yield "exams-earlier"
    exams.show_visit(many_exams(older=False))
    for check in exams.checks.values():
        check.setChecked(False)
    _settle()
    yield "exams-nothing-ticked"
    printing = window.printing
    window.stack.setCurrentWidget(printing)
    printing.start()
    printing.job_submitted(101, ItemKind.REPORT, 2)
    printing.job_submitted(102, ItemKind.FILM, 5)
    printing.job_submitted(103, ItemKind.FILM, 12)
    printing.sheets(101, 2, 2, "completed")
    printing.sheets(102, 2, 5, "printing")
    _settle()
    yield "printing"
    printing.sheets(102, 2, 5, "paused")
    _settle()
    yield "paused"
    printing.clear()
    result = window.result
    window.stack.setCurrentWidget(result)
    for name, items in SUMMARIES.items():
        result.show_summary(
            PrintSummary("ACC1", list(items)), window.language, now=datetime(2026, 12, 4, 10, 0)
        )
        _settle()
        yield name
    result.show_error("cloud.offline_not_cached", _error_text(window), window.language)
    _settle()
    yield "error"
    _show(window, window.home)
    window.countdown.setGeometry(window.rect())
    window.countdown.show_seconds(10, window.language)
    window.countdown.show()
    window.countdown.raise_()
    _settle()
    yield "idle-countdown"
    window.countdown.hide()
    login = window.login
    window.stack.setCurrentWidget(login)
    login.message.setText(_tr("mnt.locked", seconds=300))
    _settle()
    yield "login"
    panel = window.panel
    if panel is not None:
        window.stack.setCurrentWidget(panel)
        panel.staff = "nurse01"
        panel.retranslate(window.language)
        panel.show_overview(overview())
        for index in range(panel.tabs.count()):
            panel.tabs.setCurrentIndex(index)
            _settle()
            yield f"maintenance-{index}"
        panel.tabs.setCurrentIndex(0)
        panel.clear()
    assert (window.language, window.high_contrast) == (language, high_contrast)
    for screen in (window.exams, window.printing, window.result):
        screen.clear()
    _show(window, window.home)


def _tr(message_id: str, **params: object) -> str:
    from kiosk_app.ui.translator import tr

    return tr(message_id, **params)


def _error_text(window: KioskWindow) -> str:
    return _tr("cloud.offline_not_cached", cloud="https://pacs.example", detail="refused")


# ---------------------------------------------------------------------- what does not fit
def _on_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _scrolled(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's viewport (its overflow scrolls, it is not cut off)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and not isinstance(
            parent.parentWidget(), QLineEdit
        ):
            return True
        parent = parent.parentWidget()
    return False


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.width() > 0


def layout_problems(window: QWidget) -> list[str]:
    """What a patient would see wrong on ``window`` as it is laid out now: every problem as
    "<class> '<text>': <what>"."""
    problems: list[str] = []
    bounds = window.rect()
    for widget in window.findChildren(QWidget):
        if not _shown(widget, window):
            continue
        name = f"{type(widget).__name__} {_text(widget)!r}"
        area = _on_window(widget, window)
        scrolled = _scrolled(widget, window)
        if (
            isinstance(widget, QAbstractButton | QLineEdit)
            and not scrolled
            and not bounds.contains(area)
        ):
            problems.append(f"{name}: {area} is not inside the window {bounds}")
        if isinstance(widget, QAbstractButton) and widget.text():
            hint = widget.sizeHint()
            if hint.width() > widget.width() + 1:
                problems.append(f"{name}: needs {hint.width()} px wide, has {widget.width()}")
        if isinstance(widget, QLabel) and widget.text() and not widget.pixmap():
            problems += _label_problems(widget, name)
        if isinstance(widget, QLineEdit) and widget.placeholderText():
            room = widget.width() - 2 * 16 - 6
            need = widget.fontMetrics().horizontalAdvance(widget.placeholderText())
            if need > room:
                problems.append(f"{name}: placeholder needs {need} px, has {room}")
        if isinstance(widget, QTabBar):
            need = sum(widget.tabSizeHint(i).width() for i in range(widget.count()))
            if need > widget.width():
                problems.append(f"{name}: tabs need {need} px, have {widget.width()}")
        if not scrolled and isinstance(widget, QLabel) and widget.text():
            visible = area.intersected(bounds)
            if visible.height() < min(area.height(), widget.fontMetrics().height()):
                problems.append(f"{name}: {area} is cut off by the window {bounds}")
    return problems


def _label_problems(widget: QLabel, name: str) -> list[str]:
    room = widget.contentsRect()
    metrics = widget.fontMetrics()
    if widget.wordWrap():
        need = widget.heightForWidth(widget.width())
        if need > widget.height() + 1:
            return [
                f"{name}: needs {need} px high at {widget.width()} px wide, has {widget.height()}"
            ]
        return []
    need = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
    if need > room.width():
        return [f"{name}: needs {need} px wide, has {room.width()}"]
    return []


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        text = widget.text() or (widget.placeholderText() if isinstance(widget, QLineEdit) else "")
        return text[:40]
    if isinstance(widget, QCheckBox):
        return widget.text()
    return widget.objectName()
