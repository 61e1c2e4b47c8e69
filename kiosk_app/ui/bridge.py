"""Runs visit and maintenance work off the GUI thread and hands results back as Qt signals.

The patient flow is split in two: :meth:`VisitBridge.find` (resolve the code, list the exams,
plan what may print) and :meth:`VisitBridge.print_planned` (print what the patient confirmed).
While a print runs, a poller thread reads the jobs' confirmed sheets from the database and emits
``sheet_progress``, so the screen can say "胶片 2/5".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kiosk_app.core.errors import KioskError
from kiosk_app.core.models import Credential, Exam
from kiosk_app.services.visit import PlannedItem, VisitService
from kiosk_app.ui.translator import tr

log = logging.getLogger(__name__)

POLL_S = 0.25


@dataclass
class FoundVisit:
    """What :meth:`VisitBridge.find` found for one code: dropped when the screen goes home."""

    code: str
    credential: Credential
    exams: list[Exam]
    planned: list[PlannedItem] = field(default_factory=list)
    recent_days: int = 30
    """``[policy] recent_days``: the exams of these last days are the ones offered ticked."""


class _Signals(QObject):
    found = Signal(object)  # FoundVisit
    find_failed = Signal(str, str)
    progress = Signal(str, object)  # event, data
    sheet_progress = Signal(int, int, int, str)  # job id, confirmed, units, job state
    print_finished = Signal(object)  # PrintSummary
    print_failed = Signal(str, str)  # message id, patient-facing text


def _failure(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, KioskError):  # in the screens' language (the installed translator's)
        return exc.message_id, tr(exc.message_id, **exc.params)
    log.error("visit failed unexpectedly", exc_info=exc)
    return "kiosk.error", ""


class _FindTask(QRunnable):
    def __init__(self, visit: VisitService, code: str, locale: str, signals: _Signals) -> None:
        super().__init__()
        self.visit, self.code, self.locale, self.signals = visit, code, locale, signals

    def run(self) -> None:
        try:
            self.visit.printing.reconcile()
            credential, exams = self.visit.find(self.code)
            # the exams the visit offers (older ones unticked), with the pages and sheets
            # each ticked item will print, for the print button
            planned = self.visit.plan(exams, count=True, credential=credential)
            found = FoundVisit(
                self.code,
                credential,
                self.visit.offered(credential, exams),
                planned,
                self.visit.recent_days,
            )
        except Exception as exc:  # never leave the patient on a spinner
            self.signals.find_failed.emit(*_failure(exc))
        else:
            self.signals.found.emit(found)


class _PrintTask(QRunnable):
    def __init__(
        self,
        visit: VisitService,
        code: str,
        planned: list[PlannedItem] | None,
        locale: str,
        signals: _Signals,
        first_sheet: Callable[[float], None] | None,
    ) -> None:
        super().__init__()
        self.visit, self.code, self.planned = visit, code, planned
        self.locale, self.signals = locale, signals
        self.first_sheet = first_sheet
        self.started = time.monotonic()
        self._seen_first = False
        self._jobs: list[int] = []
        self._done = threading.Event()
        self._poller: threading.Thread | None = None

    def _progress(self, event: str, data: dict[str, object]) -> None:
        if event == "submitted" and isinstance(data.get("job_id"), int):
            self._jobs.append(int(data["job_id"]))  # type: ignore[call-overload]
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll, name="sheet-poll", daemon=True)
                self._poller.start()
        if (
            event == "finished"
            and data.get("state") == "completed"
            and not self._seen_first
            and self.first_sheet is not None
        ):
            self._seen_first = True
            self.first_sheet(time.monotonic() - self.started)
        self.signals.progress.emit(event, dict(data))

    def _poll(self) -> None:
        seen: dict[int, tuple[int, str]] = {}
        while True:
            finished = self._done.wait(POLL_S)
            for job_id in list(self._jobs):
                try:
                    result = self.visit.printing.result(job_id)
                except Exception:  # the poller only informs; the print goes on regardless
                    log.debug("sheet poll failed", exc_info=True)
                    continue
                now = (result.confirmed, result.state.value)
                if seen.get(job_id) != now:
                    seen[job_id] = now
                    self.signals.sheet_progress.emit(job_id, result.confirmed, result.units, now[1])
            if finished:
                return

    def run(self) -> None:
        try:
            if self.planned is None:
                summary = self.visit.print_code(self.code, self._progress)
            else:
                summary = self.visit.print_planned(self.code, self.planned, self._progress)
        except Exception as exc:
            self._done.set()
            self.signals.print_failed.emit(*_failure(exc))
        else:
            self._done.set()
            if self._poller is not None:
                self._poller.join(2)
            self.signals.print_finished.emit(summary)


class VisitBridge(QObject):
    """The screen's handle on the visit service; every call returns at once."""

    found = Signal(object)
    find_failed = Signal(str, str)
    progress = Signal(str, object)
    sheet_progress = Signal(int, int, int, str)
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
        for name in (
            "found",
            "find_failed",
            "progress",
            "sheet_progress",
            "print_finished",
            "print_failed",
        ):
            getattr(self._signals, name).connect(getattr(self, name))

    def find(self, code: str, locale: str) -> None:
        """Resolve ``code`` and plan its exams; answers with ``found`` or ``find_failed``."""
        self.pool.start(_FindTask(self.visit, code, locale, self._signals))

    def print_planned(self, visit: FoundVisit, locale: str, only: set[int] | None = None) -> None:
        """Print the planned items (those at the indexes in ``only``, when given)."""
        planned = [p for i, p in enumerate(visit.planned) if only is None or i in only]
        task = _PrintTask(self.visit, visit.code, planned, locale, self._signals, self.first_sheet)
        self.pool.start(task)

    def start_print(self, code: str, locale: str) -> None:
        """The whole flow in one go (find, plan, print), as ``kiosk print`` does."""
        task = _PrintTask(self.visit, code, None, locale, self._signals, self.first_sheet)
        self.pool.start(task)

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


class _CallSignals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _CallTask(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _CallSignals) -> None:
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            value = self.fn()
        except Exception as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(value)


class Worker(QObject):
    """Runs a blocking call (a printer's status, a database write) on a pool thread.

    ``call(fn, done, failed)`` returns at once; ``done(value)`` or ``failed(exc)`` then runs
    on the GUI thread, unless the screen the answer is for (``owner``, by default the object
    ``done`` is a method of) has been deleted meanwhile: then the answer is dropped, as a
    stale one (the call itself, a database write say, has still happened).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._pending: set[_CallSignals] = set()

    def call(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
        owner: QObject | None = None,
    ) -> None:
        signals = _CallSignals()
        self._pending.add(signals)
        if owner is None and isinstance(getattr(done, "__self__", None), QObject):
            owner = done.__self__  # type: ignore[attr-defined]

        def finish(handler: Callable[[Any], None], value: object) -> None:
            self._pending.discard(signals)
            if owner is not None and not shiboken6.isValid(owner):
                log.debug("an answer for a screen that is gone was dropped")
                return
            handler(value)

        signals.done.connect(lambda value: finish(done, value))
        signals.failed.connect(lambda exc: finish(failed, exc))
        self.pool.start(_CallTask(fn, signals))

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
