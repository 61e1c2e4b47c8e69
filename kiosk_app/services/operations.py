"""What the monitoring centre may do to a kiosk from afar, through the nurse's own services.

The health endpoint's ``/ops/`` paths call :class:`RemoteOperations`; each operation goes
through :class:`~kiosk_app.services.maintenance.MaintenanceService` or the printing service,
exactly as the maintenance screen's buttons do, with the operator as the staff id. Whatever
would disturb a patient at the kiosk is refused while one is there (:class:`OperationRefusedError`,
HTTP 409), and so is anything while a nurse works in maintenance mode: who is at the kiosk is
:class:`Presence`, which the screen keeps up to date. A restart is never refused: it waits
until nobody is at the kiosk and no sheet is in flight, then the front end exits and systemd
starts it again.

Jobs are listed with hashed patient references only (:func:`kiosk_app.logs.patient_ref`). The
log bundle holds the log files' records of the last hours at INFO and above (DEBUG is where
patient data may be), as a tar.gz built in memory.
"""

from __future__ import annotations

import enum
import gzip
import io
import json
import logging
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk_app.core.models import JobState
from kiosk_app.logs import patient_ref
from kiosk_app.services.maintenance import MaintenanceError, MaintenanceService
from kiosk_app.services.testpage import send_test_print
from kiosk_app.store.repositories import AuditRepository, JobRepository

log = logging.getLogger(__name__)

#: The exit status of a kiosk program that stops to be started again (EX_TEMPFAIL).
EXIT_RESTART = 75
#: A resumed job is followed (polled, its next sheets sent) for this long after the answer.
FOLLOW_SECONDS = 300.0
_IN_FLIGHT = (JobState.QUEUED, JobState.SUBMITTED)
_OPEN = (JobState.QUEUED, JobState.SUBMITTED, JobState.PAUSED, JobState.UNKNOWN)


class OperationRefusedError(Exception):
    """The operation cannot be done now or as asked. ``status``: the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class Present(enum.Enum):
    NOBODY = "nobody"
    PATIENT = "patient"
    NURSE = "nurse"


class Presence:
    """Who is at the kiosk now, as the screen says (thread-safe; the endpoint reads it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = Present.NOBODY

    def set(self, who: Present) -> None:
        with self._lock:
            self._now = who

    @property
    def now(self) -> Present:
        with self._lock:
            return self._now


@dataclass(frozen=True)
class OpenJob:
    """A job not finished yet, as the centre sees it: no patient data, only hashed refs."""

    job_id: int
    kind: str
    state: str
    printer: str
    units: int
    confirmed: int
    reason: str
    attention: str
    patient: str
    """:func:`~kiosk_app.logs.patient_ref` of the patient id."""
    exam: str
    """:func:`~kiosk_app.logs.patient_ref` of the accession number."""
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class RemoteOperations:
    def __init__(
        self,
        maintenance: MaintenanceService,
        *,
        kiosk_id: str,
        log_dir: Path,
        selftest: Callable[[], dict[str, Any]],
        presence: Presence | None = None,
        default_log_hours: int = 24,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.maintenance = maintenance
        self.store = maintenance.store
        self.printing = maintenance.printing
        self.kiosk_id = kiosk_id
        self.log_dir = log_dir
        self._selftest = selftest
        self.presence = presence or Presence()
        self.default_log_hours = default_log_hours
        self.clock = clock
        self._restart_by = ""
        self._lock = threading.Lock()
        self._followers: list[threading.Thread] = []

    # ------------------------------------------------------------------ guards
    def _undisturbed(self, what: str) -> None:
        """Refuse ``what`` while someone is at the kiosk."""
        who = self.presence.now
        if who is Present.PATIENT:
            raise OperationRefusedError(f"a patient is at the kiosk: {what} waits until they leave")
        if who is Present.NURSE:
            raise OperationRefusedError(f"a nurse is in maintenance mode: {what} is theirs to do")

    def _printing_now(self) -> bool:
        with self.store.session() as session:
            return bool(JobRepository(session).in_states(_IN_FLIGHT))

    # ------------------------------------------------------------------ looking
    def open_jobs(self) -> list[OpenJob]:
        with self.store.session() as session:
            return [
                OpenJob(
                    j.id,
                    j.kind,
                    j.state,
                    j.printer,
                    j.units_total,
                    sum(1 for u in j.units if u.state == "confirmed"),
                    j.reason,
                    j.attention,
                    patient_ref(j.patient_id) if j.patient_id else "",
                    patient_ref(j.accession) if j.accession else "",
                    j.updated_at.replace(tzinfo=UTC).isoformat(),
                )
                for j in JobRepository(session).in_states(_OPEN)
            ]

    # ------------------------------------------------------------------ jobs
    def resume(self, job_id: int, staff: str) -> dict[str, Any]:
        """Resume a paused job (the printer is cleared), then follow it in the background."""
        self._undisturbed("resuming a job")
        self._known(job_id)
        try:
            result = self.maintenance.resume(job_id, staff)
        except MaintenanceError as exc:
            raise OperationRefusedError(str(exc)) from exc
        if result.state.open:
            follower = threading.Thread(
                target=self._follow, args=(job_id,), name=f"follow-{job_id}", daemon=True
            )
            follower.start()
            with self._lock:
                self._followers = [t for t in self._followers if t.is_alive()] + [follower]
        return {"job": job_id, "state": result.state.value, "confirmed": result.confirmed}

    def _follow(self, job_id: int) -> None:
        try:
            self.printing.wait([job_id], FOLLOW_SECONDS)
        except Exception:
            log.exception("job %d: following it after a remote resume failed", job_id)

    def wait_followers(self, timeout: float) -> None:
        """Wait for the jobs being followed (tests; the program's close)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            followers = list(self._followers)
        for thread in followers:
            thread.join(max(0.0, deadline - time.monotonic()))

    def cancel(self, job_id: int, staff: str, reason: str) -> dict[str, Any]:
        self._undisturbed("canceling a job")
        self._known(job_id)
        result = self.maintenance.cancel(job_id, staff, reason or "canceled by the centre")
        return {"job": job_id, "state": result.state.value, "confirmed": result.confirmed}

    def _known(self, job_id: int) -> None:
        with self.store.session() as session:
            job = JobRepository(session).find(job_id)
            if job is None:
                raise OperationRefusedError(f"no job {job_id}", 404)
            if JobState(job.state) not in _OPEN:
                raise OperationRefusedError(f"job {job_id} is {job.state}: nothing to do")

    # ------------------------------------------------------------------ consumables, test page
    def record_loaded(self, role: str, media: str, count: int, staff: str) -> dict[str, Any]:
        """Film or paper loaded (told by the person on site): no one at the kiosk is disturbed."""
        printer = self._printer(role)
        try:
            supply = self.maintenance.record_loaded(printer.name, media, count, staff)
        except MaintenanceError as exc:
            raise OperationRefusedError(str(exc), 400) from exc
        return {"printer": supply.printer, "media": supply.media, "remaining": supply.remaining}

    def test_page(self, role: str, staff: str) -> dict[str, Any]:
        """A test page (the paper printer) or grey wedge (the film printer)."""
        self._undisturbed("a test print")  # it would land in the tray a patient takes from
        if self._printing_now():
            raise OperationRefusedError("a patient's job is printing: try again after it")
        printer = self._printer(role)
        job = send_test_print(printer, self.kiosk_id, staff)
        with self.store.session() as session:
            AuditRepository(session).record(
                staff, "maintenance.test_print", subject=printer.name, detail={"job": job}
            )
        return {"printer": printer.name, "printer_job": job}

    def _printer(self, role: str) -> Any:
        printer = self.maintenance.printers.get(role)
        if printer is None:
            known = ", ".join(sorted(self.maintenance.printers))
            raise OperationRefusedError(f"no printer {role!r} (this kiosk has {known})", 404)
        return printer

    # ------------------------------------------------------------------ the program
    def selftest(self) -> dict[str, Any]:
        self._undisturbed("the self-test")  # it opens the printers and the readers
        return self._selftest()

    def request_restart(self, staff: str) -> dict[str, Any]:
        """Ask for a graceful restart: once nobody is at the kiosk and nothing is printing."""
        with self._lock:
            self._restart_by = self._restart_by or staff
        when = "now" if self.restart_due() else "after the current visit and print"
        log.warning("restart requested by %s (%s)", staff, when)
        return {"restart": "scheduled", "when": when}

    @property
    def restart_requested(self) -> bool:
        with self._lock:
            return bool(self._restart_by)

    def restart_due(self) -> bool:
        """A restart was asked for, nobody is at the kiosk and no sheet is in flight.

        The front end calls this on its own loop and, when it says so, exits with
        :data:`EXIT_RESTART`; systemd starts the kiosk again.
        """
        if not self.restart_requested:
            return False
        return self.presence.now is Present.NOBODY and not self._printing_now()

    # ------------------------------------------------------------------ logs
    def log_bundle(self, hours: int | None = None) -> bytes:
        """The log files' records of the last ``hours`` at INFO and above, as a tar.gz."""
        hours = self.default_log_hours if hours is None else hours
        if not 1 <= hours <= 168:
            raise OperationRefusedError("hours must be 1-168", 400)
        since = self.clock() - timedelta(hours=hours)
        kept, dropped = [], 0
        for line in _records(self.log_dir, since):
            if line is None:
                dropped += 1
            else:
                kept.append(line)
        body = "".join(kept).encode("utf-8")
        manifest = {
            "kiosk_id": self.kiosk_id,
            "generated_at": self.clock().isoformat(),
            "since": since.isoformat(),
            "hours": hours,
            "records": len(kept),
            "debug_records_left_out": dropped,
        }
        buffer = io.BytesIO()
        # mtime 0 and fixed names: the same logs give the same bytes.
        with (
            gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped,
            tarfile.open(fileobj=zipped, mode="w") as tar,
        ):
            for name, data in (
                ("kiosk.log", body),
                ("manifest.json", json.dumps(manifest, indent=2).encode("utf-8")),
            ):
                info = tarfile.TarInfo(f"{self.kiosk_id}-logs/{name}")
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


_TEXT_START = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL)\b"
)


def _records(log_dir: Path, since: datetime) -> Iterator[str | None]:
    """Each record (with its traceback lines) from the oldest rotated file to the current
    one, newer than ``since``; None for each DEBUG record left out."""
    files = sorted(
        log_dir.glob("kiosk.log*"),
        key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
    )
    for path in files:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError as exc:
            log.warning("log bundle: %s unreadable: %s", path.name, exc)
            continue
        record: list[str] = []
        keep = False
        for line in text.splitlines(keepends=True):
            start = _start(line)
            if start is None:  # a continuation (traceback) line of the record before
                if record:
                    record.append(line)
                continue
            if record and keep:
                yield "".join(record)
            at, level = start
            record, keep = [line], at >= since and level != "DEBUG"
            if at >= since and level == "DEBUG":
                yield None
        if record and keep:
            yield "".join(record)


def _start(line: str) -> tuple[datetime, str] | None:
    """The time and level of a line that starts a record (text or JSON format)."""
    if line.startswith("{"):
        try:
            doc = json.loads(line)
            at = datetime.fromisoformat(str(doc["@timestamp"]).replace("Z", "+00:00"))
            return at, str(doc["log.level"])
        except (ValueError, KeyError, TypeError):
            return None
    match = _TEXT_START.match(line)
    if match is None:
        return None
    local = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")  # the kiosk's local time
    return local.astimezone(UTC), match.group(2)


__all__ = [
    "EXIT_RESTART",
    "OpenJob",
    "OperationRefusedError",
    "Presence",
    "Present",
    "RemoteOperations",
]
