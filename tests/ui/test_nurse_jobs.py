"""A job waiting for the nurse, as the nurse works on it (issue 19, item 5): maintenance does not
time out while it waits, and "resumed" is said only once the printer prints again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFrame, QLabel, QPushButton

from drivers.printer.fake import FakeFault
from kiosk_app.core.models import JobState
from kiosk_app.store.repositories import JobRepository
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.translator import tr
from tests.ui.conftest import demo_settings, find_and_list, shown_window
from tests.ui.test_maintenance import log_in

pytestmark = pytest.mark.ui


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    settings = demo_settings(
        tmp_path, KIOSK_PRINTING__JOB_TIMEOUT="2", KIOSK_PRINTING__POLL_INTERVAL="0.05"
    )
    yield from shown_window(qtbot, settings)


def paused_job(win: KioskWindow) -> int:
    """A film job of an earlier patient (gone home), stopped on a jam."""
    assert win.kiosk is not None
    with win.kiosk.store.session() as session:
        jobs = JobRepository(session)
        job = jobs.create(
            kind="film",
            study_uid="1.2.3.4.5",
            accession="A1",
            patient_id="P1",
            printer=win.kiosk.film_printer.name,
            units_total=1,
        )
        jobs.set_state(job, JobState.PAUSED, "media-jam-error")
        return job.id


def job_buttons(win: KioskWindow, text: str) -> list[QPushButton]:
    assert win.panel is not None
    return [b for b in win.panel.jobs_box.findChildren(QPushButton) if b.text() == tr(text)]


def test_maintenance_does_not_time_out_while_a_job_waits_for_the_nurse(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    assert window.panel is not None
    paused_job(window)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    window.worker.wait_idle()
    qtbot.wait(50)
    assert window.session.state.nurse_jobs
    window.advance_clock(600)  # ten minutes at the printer, no touch on the screen
    assert window.stack.currentWidget() is window.panel
    # the nurse cancels the job: nothing waits any more, so the usual minute runs again
    cancel = job_buttons(window, "mnt.cancel_job")
    assert len(cancel) == 1
    cancel[0].click()
    qtbot.waitUntil(lambda: not window.session.state.nurse_jobs, timeout=10000)
    window.advance_clock(59)
    assert window.stack.currentWidget() is window.panel
    window.advance_clock(1)
    assert window.stack.currentWidget() is window.home


def test_maintenance_with_nothing_waiting_still_times_out(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    assert window.panel is not None
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    window.worker.wait_idle()
    qtbot.wait(50)
    assert not window.session.state.nurse_jobs
    window.advance_clock(60)
    assert window.stack.currentWidget() is window.home


def test_resumed_is_said_only_once_the_printer_prints_again(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    assert window.kiosk is not None and window.panel is not None
    film_printer = window.kiosk.film_printer
    film_printer.fail_next = FakeFault.JAM  # type: ignore[attr-defined]
    find_and_list(qtbot, window, "DEMO0003")
    with qtbot.waitSignal(window.bridge.print_finished, timeout=30000):
        window.exams.print_button.click()
    window.go_home()
    log_in(qtbot, window)
    panel = window.panel
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=10000)
    # "resume" tapped while the film is still stuck: the panel says so, not "resumed"
    resume = job_buttons(window, "mnt.cleared")
    assert len(resume) == 1
    resume[0].click()
    qtbot.waitUntil(lambda: "仍报告" in panel.status.text(), timeout=30000)
    assert "卡住" in panel.status.text() and "已继续" not in panel.status.text()
    window.worker.wait_idle()
    qtbot.wait(50)
    assert film_printer.fault is FakeFault.JAM  # type: ignore[attr-defined]
    assert window.session.state.nurse_jobs  # and the job still waits for her
    # the film taken out, "resume" again: now the printer prints, and only now "resumed"
    film_printer.clear_fault()  # type: ignore[attr-defined]
    resume = job_buttons(window, "mnt.cleared")
    assert len(resume) == 1
    resume[0].click()
    qtbot.waitUntil(lambda: "已继续" in panel.status.text(), timeout=30000)
    assert "恢复出片" in panel.status.text() and "1/1" in panel.status.text()


def test_a_jam_shows_the_printer_models_own_numbered_steps_with_their_pictures(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    picture = tmp_path / "open-cover.png"
    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(QColor("#3060c0"))
    assert image.save(str(picture))
    settings = demo_settings(
        tmp_path,
        KIOSK_PRINTERS__FILM__MODEL="DRYPIX 6000",
        KIOSK_PRINTERS__FILM__JAM_STEPS="拉开左侧舱门,取出卡住的胶片,关上舱门并等待指示灯变绿",
        KIOSK_PRINTERS__FILM__JAM_PICTURES=f"{picture},{tmp_path / 'missing.png'}",
    )
    window = next(shown_window(qtbot, settings))
    assert window.kiosk is not None and window.panel is not None
    window.kiosk.film_printer.fault = FakeFault.JAM  # type: ignore[attr-defined]
    log_in(qtbot, window)
    panel = window.panel
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=10000)
    assert "DRYPIX 6000" in panel.steps.text() and "前盖" not in panel.steps.text()
    steps = [
        child.text()
        for row in panel.step_rows.findChildren(QFrame, "jam_step")
        for child in row.findChildren(QLabel)
        if child.objectName() != "jam_picture"
    ]
    assert steps == ["1. 拉开左侧舱门", "2. 取出卡住的胶片", "3. 关上舱门并等待指示灯变绿"]
    pictures = panel.step_rows.findChildren(QLabel, "jam_picture")
    assert len(pictures) == 1  # the second file is missing: that step shows without one
    shown = pictures[0].pixmap()
    assert (shown.width(), shown.height()) == (360, 270)
    assert shown.toImage().pixelColor(180, 135) == QColor("#3060c0")
    assert pictures[0].isVisible()
    # the report printer (no steps of its own) keeps the general ones
    report = next(t for t in panel.overview.tiles if t.role == "report")
    report.conditions = [c for t in panel.overview.tiles if t.role == "film" for c in t.conditions]
    panel.show_steps(report)
    assert "前盖" in panel.steps.text() and not panel.step_rows.findChildren(QFrame, "jam_step")
    window.bridge.wait_idle()
    window.worker.wait_idle()
