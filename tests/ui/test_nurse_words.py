"""Every maintenance view in the nurse's words (issue 19, item 5): with a jammed film printer,
an out-of-paper report printer, a paused and an unknown job, no view shows an IPP keyword, a
file path, a study UID or a PWG / DICOM media name, and the Chinese one no English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer.fake import FakeFault
from kiosk_app.core.models import JobState
from kiosk_app.store.repositories import AuditRepository, JobRepository
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.translator import tr
from tests.ui.conftest import demo_settings, shown_window, texts_of
from tests.ui.test_maintenance import log_in

pytestmark = pytest.mark.ui

UID = "1.2.840.113619.2.55.3.604688119.971.1234567890.123"
SPOOL = "/var/spool/kiosk/film/job-17/sheet-1.dcm"

IPP_KEYWORD = re.compile(
    r"\b(?:[a-z]+-)+(?:error|warning|report)\b|\bpaused\b|\bmedia-[a-z-]+\b|\bqueue-stopped\b"
)
PATH = re.compile(r"(?:^|[\s(（:：])(?:/[\w.-]+){2,}|[A-Za-z]:\\")
STUDY_UID = re.compile(r"\b\d+(?:\.\d+){4,}\b|…\d{6,}")
PWG_SIZE = re.compile(r"\b\d+(?:IN|CM)X\d+(?:IN|CM)\b|\b(?:iso|na|jis)_\w+_\d", re.IGNORECASE)
#: ASCII words a Chinese screen may show: sizes, printer names are added per test
ALLOWED_ASCII = {"A4", "x", "PIN"}


def problems(text: str, language: str, allowed: set[str]) -> list[str]:
    found = []
    for name, pattern in (
        ("IPP keyword", IPP_KEYWORD),
        ("path", PATH),
        ("study UID", STUDY_UID),
        ("PWG size", PWG_SIZE),
    ):
        found += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(text)]
    if language == "zh_CN":
        for word in re.findall(r"(?<![0-9])[A-Za-z][A-Za-z0-9_-]*", text):
            if word not in allowed:
                found.append(f"English in zh: {word!r}")
    return found


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    settings = demo_settings(tmp_path)
    yield from shown_window(qtbot, settings)


def waiting_jobs(win: KioskWindow) -> None:
    """A film job paused on a jam (an IPP reason, an English attention with a path), a report
    job paused on a stopped queue and a film job whose outcome is unknown."""
    assert win.kiosk is not None
    film, report = win.kiosk.film_printer.name, win.kiosk.report_printer.name
    with win.kiosk.store.session() as session:
        jobs = JobRepository(session)
        for kind, printer, state, reason, attention in (
            ("film", film, JobState.PAUSED, "media-jam-error", f"printer fault: jam at {SPOOL}"),
            ("report", report, JobState.PAUSED, "paused", ""),
            ("film", film, JobState.UNKNOWN, f"lost track of {SPOOL}", ""),
        ):
            job = jobs.create(
                kind=kind,
                study_uid=UID,
                accession="A1001",
                patient_id="P1",
                printer=printer,
                units_total=2,
                media="14INX17IN",
            )
            jobs.set_state(job, state, reason)
            job.attention = attention
        AuditRepository(session).record("nurse01", "reprint.authorised", subject=f"{UID}:film")
        AuditRepository(session).record("kiosk", "job.paused", subject=f"job 1 {SPOOL}")
    win.kiosk.maintenance.record_loaded(film, "14INX17IN", 100, "nurse01")


def every_view(qtbot, win: KioskWindow) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(view, its text) for each tab, each device's steps, and each supply role."""
    panel = win.panel
    assert panel is not None
    views = []
    for index in range(panel.tabs.count()):
        panel.tabs.setCurrentIndex(index)
        views.append((f"tab {index}", "\n".join([*texts_of(panel), panel.tabs.tabText(index)])))
    panel.tabs.setCurrentIndex(0)
    for tile in panel.overview.tiles if panel.overview else []:
        panel.show_steps(tile)
        views.append((f"steps of {tile.role}", panel.steps.text()))
    for role in ("film", "report"):
        panel.role_buttons[role].click()
        views.append((f"supplies of {role}", "\n".join(texts_of(panel))))
    return views


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_maintenance_view_is_in_the_nurses_words(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
    language: str,
) -> None:
    assert window.kiosk is not None and window.panel is not None
    window.kiosk.film_printer.fault = FakeFault.JAM  # type: ignore[attr-defined]
    window.kiosk.report_printer.fault = FakeFault.MEDIA_EMPTY  # type: ignore[attr-defined]
    waiting_jobs(window)
    window.set_language(language)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.overview is not None, timeout=10000)
    window.worker.wait_idle()
    qtbot.wait(50)
    allowed = ALLOWED_ASCII | {
        word
        for name in (window.kiosk.film_printer.name, window.kiosk.report_printer.name, "nurse01")
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_-]*", name)
    }
    views = every_view(qtbot, window)
    found = {view: problems(text, language, allowed) for view, text in views}
    assert {view: p for view, p in found.items() if p} == {}
    devices = views[0][1]
    # the conditions are there, in words
    if language == "zh_CN":
        assert "卡住" in devices and "用完" in devices and "结果不明" in devices
        assert "14x17 英寸" in "\n".join(t for _v, t in views)
    else:
        assert "jammed" in devices and "Out of paper" in devices and "Outcome unknown" in devices
        assert "14 x 17 in" in "\n".join(t for _v, t in views)
    assert devices.count(tr("mnt.cleared")) == 3  # three jobs wait


def test_a_refused_request_is_told_in_the_nurses_language(
    qtbot,  # type: ignore[no-untyped-def]
    window: KioskWindow,
) -> None:
    assert window.panel is not None
    log_in(qtbot, window)
    panel = window.panel
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=10000)
    panel.tabs.setCurrentIndex(1)
    panel.count.setText("99999")
    panel.load_button.click()
    qtbot.waitUntil(lambda: panel.status.text() != "", timeout=10000)
    assert panel.status.text() == "这个数量不对：请填 0 到 10000 之间的张数。"
    assert problems(panel.status.text(), "zh_CN", ALLOWED_ASCII) == []
