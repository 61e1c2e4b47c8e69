"""The kiosk window on the offscreen platform, against the demo archive."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget

from kiosk_app.app import Devices
from kiosk_app.core import messages
from kiosk_app.settings import Settings, load
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow
from kiosk_app.ui.translator import install_translator


def demo_settings(tmp_path: Path, **extra: str) -> Settings:
    env = {
        "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
        "KIOSK_HEALTH__PORT": "0",
        "KIOSK_FILM__DPI": "60",
        **extra,
    }
    return load(None, demo=True, env=env)


@pytest.fixture(autouse=True)
def _default_language(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Each test starts in the kiosk's default language, whatever the last one switched to:
    the translator is the application's, not a window's. Afterwards, the test's garbage (its
    closed window's widgets among it) is collected here, on the GUI thread, not later by
    whichever thread happens to cross the collector's threshold (kiosk_app/ui/collector.py)."""
    install_translator(messages.DEFAULT_LOCALE)
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


def shown_window(
    qtbot, settings: Settings, devices: Devices | None = None
) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    """The kiosk window for ``settings`` (with ``devices``, else the configured ones), shown at
    1920x1080; after the test, its worker threads are let finish."""
    win = create_window(settings, devices)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    yield win
    win.bridge.wait_idle()
    win.worker.wait_idle()


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    yield from shown_window(qtbot, demo_settings(tmp_path))


def texts_of(widget: QWidget) -> list[str]:
    """Every text a widget and its children hold (labels, fields, buttons, placeholders)."""
    texts = []
    for child in [widget, *widget.findChildren(QWidget)]:
        if isinstance(child, QLabel):
            texts.append(child.text())
        elif isinstance(child, QLineEdit):
            texts += [child.text(), child.placeholderText()]
        elif isinstance(child, QAbstractButton):
            texts.append(child.text())
    return texts


def visible_text(win: KioskWindow) -> str:
    return "\n".join(texts_of(win.stack.currentWidget()))


def find_and_list(qtbot, win: KioskWindow, code: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``code`` on the home screen and wait for the exam list."""
    qtbot.keyClicks(win.home.code, code)
    with qtbot.waitSignal(win.bridge.found, timeout=30000):
        qtbot.keyClick(win.home.code, "\r")
    assert win.stack.currentWidget() is win.exams


def visits_on(win: KioskWindow, day: date, recent_days: int | None = None) -> None:
    """The window's visits as if the kiosk's date were ``day`` (the demo's exams are of
    2023-2024): which exams are recent, and so offered ticked, follows from it."""
    win.bridge.visit.today = lambda: day
    if recent_days is not None:
        win.bridge.visit.recent_days = recent_days
