"""Runs visit work off the GUI thread and hands results back as Qt signals."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kiosk_app.core.errors import KioskError
from kiosk_app.services.visit import VisitService

log = logging.getLogger(__name__)


class _Signals(QObject):
    print_finished = Signal(object)  # PrintSummary
    print_failed = Signal(str, str)  # message id, patient-facing text


class _PrintTask(QRunnable):
    def __init__(
        self,
        visit: VisitService,
        code: str,
        locale: str,
        signals: _Signals,
        first_sheet: Callable[[float], None] | None,
    ) -> None:
        super().__init__()
        self.visit, self.code, self.locale, self.signals = visit, code, locale, signals
        self.first_sheet = first_sheet
        self.started = time.monotonic()
        self._seen_first = False

    def _progress(self, event: str, data: dict[str, object]) -> None:
        if (
            event == "finished"
            and data.get("state") == "completed"
            and not self._seen_first
            and self.first_sheet is not None
        ):
            self._seen_first = True
            self.first_sheet(time.monotonic() - self.started)

    def run(self) -> None:
        try:
            summary = self.visit.print_code(self.code, self._progress)
        except KioskError as exc:
            self.signals.print_failed.emit(exc.message_id, exc.text(self.locale))
        except Exception:  # never leave the patient on a spinner
            log.exception("visit failed unexpectedly")
            self.signals.print_failed.emit("kiosk.error", "")
        else:
            self.signals.print_finished.emit(summary)


class VisitBridge(QObject):
    """The screen's handle on the visit service; every call returns at once."""

    print_finished = Signal(object)
    print_failed = Signal(str, str)

    def __init__(
        self,
        visit: VisitService,
        parent: QObject | None = None,
        *,
        first_sheet: Callable[[float], None] | None = None,
    ) -> None:
        """``first_sheet`` is told the seconds from a scan to the first confirmed item."""
        super().__init__(parent)
        self.visit = visit
        self.first_sheet = first_sheet
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one patient at a time
        self._signals = _Signals()
        self._signals.print_finished.connect(self.print_finished)
        self._signals.print_failed.connect(self.print_failed)

    def start_print(self, code: str, locale: str) -> None:
        task = _PrintTask(self.visit, code, locale, self._signals, self.first_sheet)
        self.pool.start(task)

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
