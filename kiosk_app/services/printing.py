"""Print jobs as a persisted state machine, per item and per sheet: nothing lost, nothing twice.

A job is one item (a study's report, or its films) on one printer. Its row, with one unit per
page or sheet, is committed before a byte reaches a printer, and every step is committed before
the next one starts:

* **Film goes one sheet at a time.** Each sheet is its own printer job (a CUPS job of one page,
  or one DICOM film box), sent when the previous sheet is confirmed. So a jam costs at most the
  sheet in the printer, and resuming means "send the first sheet the printer has not confirmed":
  a 5-sheet job that jams at sheet 3 ends with the printer having printed sheets 1-5 once each.
  A report is one printer job for all its pages (a paper printer cannot confirm single pages).
* **Unit states** (:class:`UnitState`): pending → sending → sent → confirmed. ``sending`` is
  committed before the printer is called; a unit still ``sending`` after a crash may or may not
  have reached the printer, so it becomes ``uncertain`` and the job UNKNOWN: a nurse looks at the
  tray and decides, the kiosk never sends it again by itself. A printer job that ended without
  printing (aborted, or cancelled by the printer) makes its units ``lost``.
* **Pause and resume.** A condition that stops printing (device_status ERROR: jam, media out,
  door open; or a queue CUPS stopped or a job it holds) pauses the job; if the printer then
  prints the job by itself once cleared (a jam in a printer that holds the job), the job goes on
  by itself. When a nurse must act in the kiosk too (a lost sheet, a printer that refused a sheet
  for a fault, a queue to re-enable, an interrupted job), the job carries ``attention`` and waits
  for :meth:`PrintingService.resume`, which re-enables the printer and sends the first
  unconfirmed sheet, or :meth:`PrintingService.cancel`.
* **Delivered** only when every unit is confirmed: the job becomes COMPLETED and the ledger gets
  the delivery in the same transaction, with the consumable count for film.
* **After a restart** (:meth:`PrintingService.reconcile`), every open job is settled with its
  printer (CUPS job id, DICOM film box or print job): confirmed sheets are confirmed, uncertain
  ones make the job UNKNOWN, and a job with sheets left waits for a nurse (``attention``): the
  patient may have gone, so nothing more prints by itself.

What to send is kept in memory only (sheets can be 20 MB each), so after a restart a job with
sheets left cannot be resumed from the kiosk: the nurse cancels it and authorises a reprint.
One service instance drives a store; its methods are safe to call from several threads.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from drivers.base import DocumentPrinter, FilmPrinter, FilmSheet, JobPhase, JobStatus, Printer
from drivers.errors import MediaUnsupportedError, PrinterError, PrinterFaultError
from drivers.printer.media import PWG_MEDIA
from kiosk_app.core.errors import KioskError
from kiosk_app.core.models import Exam, ItemKind, JobState
from kiosk_app.logs import EVENT_ACTION, patient_ref
from kiosk_app.services import device_status, events
from kiosk_app.services.filmstream import FilmStream
from kiosk_app.services.fleet import Claim, FleetLedger
from kiosk_app.services.policy import FilmSizeUnsupportedError, check_film_supply
from kiosk_app.store import Store
from kiosk_app.store.repositories import (
    AuditRepository,
    ConsumableRepository,
    JobRepository,
    LedgerRepository,
    ReprintRepository,
    item_key,
)
from kiosk_app.store.tables import PrintJob, PrintUnit, utcnow

log = logging.getLogger(__name__)

ACTOR = "kiosk"
REPORT_OPTIONS = {"media": "iso_a4_210x297mm", "print-scaling": "none", "fit-to-page": "false"}
_SIZE_OF_MEDIA = {pwg: size for size, pwg in PWG_MEDIA.items()}


def size_name(media: str) -> str:
    """The kiosk's own name for a size (``A4``, ``14INX17IN``), which jobs, supplies and
    metrics record, for a CUPS media name (``iso_a4_210x297mm``); other names as they are."""
    return _SIZE_OF_MEDIA.get(media, media)


class UnitState(enum.Enum):
    """Where one page or sheet is."""

    PENDING = "pending"
    """Not handed to the printer."""
    SENDING = "sending"
    """Being handed to the printer; after a crash nobody knows whether it got there."""
    SENT = "sent"
    """The printer accepted it (its job id is recorded); not confirmed yet."""
    CONFIRMED = "confirmed"
    """The printer reported it printed."""
    LOST = "lost"
    """The printer ended its job without printing it; sent again only when a nurse resumes."""
    UNCERTAIN = "uncertain"
    """It may or may not have printed (a crash while sending): a nurse must look."""
    CANCELED = "canceled"
    """The job was cancelled before this unit printed."""


_IN_FLIGHT = (UnitState.SENDING.value, UnitState.SENT.value)
#: Seconds a cancelled printer job has to say how it ended.
CANCEL_SETTLE_S = 10.0
_RESENDABLE = (UnitState.PENDING.value, UnitState.LOST.value, UnitState.UNCERTAIN.value)


@dataclass(frozen=True)
class JobResult:
    """Where one job stands after submitting or waiting."""

    job_id: int
    kind: ItemKind
    state: JobState
    reason: str
    units: int
    printer: str
    confirmed: int = 0
    """Units the printer confirmed so far."""
    attention: str = ""
    """Why a nurse must act before the job goes on (empty: it goes on by itself)."""


def error_reasons(status: JobStatus) -> tuple[str, ...]:
    """The printer's own terms for conditions that stop printing until a person acts."""
    return tuple(c.source for c in device_status.blocking(device_status.job_conditions(status)))


@dataclass
class _Payload:
    """How to send units of a job (kept in memory while this process runs)."""

    send: Callable[[list[int], str], str]
    per_unit: bool
    digests: Callable[[list[int]], list[str]] | None = None
    """The content digests of units about to be sent, waiting while they are composed
    (a film's later sheets); None: all were known when the job was recorded."""


def sheet_digest(sheet: FilmSheet) -> str:
    """What a film sheet holds, cheaply: CRC-32 of its shape, size, dpi and pixels."""
    head = f"{sheet.pixels.shape}/{sheet.film_size_id}/{sheet.dpi}/{sheet.portrait}".encode()
    return f"{zlib.crc32(sheet.pixels.tobytes(), zlib.crc32(head)):08x}"


def document_digest(pdf: bytes) -> str:
    return f"{zlib.crc32(pdf):08x}"


#: Recomposes an item's content from the study after a restart: film sheets or report PDF.
Recompose = Callable[[ItemKind, str, str, str], "list[FilmSheet] | bytes"]


class PrintingService:
    def __init__(
        self,
        store: Store,
        report_printer: DocumentPrinter,
        film_printer: FilmPrinter,
        *,
        poll_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        report_options: dict[str, str] | None = None,
        recompose: Recompose | None = None,
        fleet: FleetLedger | None = None,
    ) -> None:
        """``recompose`` makes a job's content again from its study after a restart
        (:meth:`kiosk_app.services.content.ItemContent.recompose`); without it such a job
        cannot be resumed, only cancelled. ``fleet``: the shared ledger (``[fleet]``): each
        item is claimed there before its first byte, and its end is recorded there."""
        self.store = store
        self.report_printer = report_printer
        self.film_printer = film_printer
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self.report_options = dict(report_options or REPORT_OPTIONS)
        self._payloads: dict[int, _Payload] = {}
        self._lock = threading.RLock()
        self.recompose = recompose
        self.fleet = fleet

    def printer_for(self, kind: ItemKind) -> Printer:
        return self.report_printer if kind is ItemKind.REPORT else self.film_printer

    # ------------------------------------------------------------------ submitting

    def submit_report(self, exam: Exam, pdf: bytes, pages: int) -> JobResult:
        """Record a report job (one unit per page) and send it as one printer job."""
        return self._submit(
            exam,
            ItemKind.REPORT,
            pages,
            self._report_payload(pdf),
            size_name(self.report_options.get("media", "")),
            [document_digest(pdf)] * pages,
        )

    def _report_payload(self, pdf: bytes) -> _Payload:
        options = self.report_options

        def send(_units: list[int], title: str) -> str:
            return self.report_printer.submit_pdf(pdf, title, options)

        return _Payload(send, per_unit=False)

    def _film_payload(self, film: FilmStream) -> _Payload:
        def send(units: list[int], title: str) -> str:
            return self.film_printer.submit_sheets([film.sheet(i) for i in units], title)

        made: dict[int, str] = {}  # a sheet's CRC is taken once (tens of ms at 300 dpi)

        def digests(units: list[int]) -> list[str]:
            for i in units:
                if i not in made:
                    made[i] = sheet_digest(film.sheet(i))
            return [made[i] for i in units]

        return _Payload(send, per_unit=True, digests=digests)

    def submit_film(self, exam: Exam, sheets: Sequence[FilmSheet] | FilmStream) -> JobResult:
        """Record a film job (one unit per sheet) and send its first sheet.

        A :class:`FilmStream` may still be composing its later sheets: the job is recorded
        with the plan's sheet count once the first sheet is there (which the stream hands over
        only when every image of the film is in hand), and each later sheet is sent when it is
        composed and the one before it printed. A later sheet that cannot be composed holds
        the job for a nurse, the sheets before it confirmed.

        Raises:
            KioskError: the first sheet could not be composed (nothing was recorded or sent).
            NotEnoughFilmError: the film loaded for this size is fewer than the sheets.
            FilmSizeUnsupportedError: the film printer cannot print this size at its true size
                (its ``media-supported`` lacks it); nothing was sent, the nurse is told.
        """
        film = sheets if isinstance(sheets, FilmStream) else FilmStream.of(list(sheets))
        first = film.sheet(0) if film.count else None
        media = first.film_size_id if first is not None else ""
        with self.store.session() as session:
            supply = ConsumableRepository(session).get(self.film_printer.name, media)
            check_film_supply(supply.remaining if supply else None, film.count, media)
        if media:
            self._check_film_size(media)

        payload = self._film_payload(film)
        assert payload.digests is not None
        known = payload.digests(list(range(film.composed)))
        return self._submit(
            exam,
            ItemKind.FILM,
            film.count,
            payload,
            media,
            [*known, *[None] * (film.count - len(known))],
        )

    def _check_film_size(self, size: str) -> None:
        """Refuse a film size the printer cannot print at its true size, before any job row."""
        printer = self.film_printer
        try:
            printer.check_film_size(size)
        except MediaUnsupportedError as exc:
            offered = ", ".join(exc.supported) or "-"
            log.warning("film printer %s cannot print %s: %s", printer.name, size, exc.detail)
            with self.store.session() as session:
                reason = f"film size {size} ({exc.media}) not supported; it offers {offered}"
                events.device_fault(session, printer.name, reason)
                AuditRepository(session).record(
                    ACTOR,
                    "job.refused",
                    subject=f"printer {printer.name}",
                    detail={"size": size, "media": exc.media, "offered": list(exc.supported)},
                )
            raise FilmSizeUnsupportedError(
                printer=printer.name, size=size, media=exc.media, offered=offered
            ) from exc
        except PrinterError as exc:
            # Cannot ask now: sending will tell (and fail the job the usual way).
            log.warning("film printer %s: cannot check film size %s: %s", printer.name, size, exc)

    def _submit(
        self,
        exam: Exam,
        kind: ItemKind,
        units: int,
        payload: _Payload,
        media: str,
        digests: Sequence[str | None],
    ) -> JobResult:
        printer = self.printer_for(kind)
        key = item_key(exam.study_uid, kind.value)
        # The fleet first: another kiosk may hold it (raises ClaimRefusedError, nothing sent)
        claim = self.fleet.claim(exam, kind) if self.fleet is not None else None
        try:
            job_id = self._create(exam, kind, key, printer, units, media, digests, claim)
        except BaseException:
            if claim is not None and self.fleet is not None:
                self.fleet.release_unused(claim)
            raise
        log.info(
            "job %d: %s of %s, %d %s for %s",
            job_id,
            kind.value,
            patient_ref(exam.patient_id),
            units,
            "pages" if kind is ItemKind.REPORT else "sheets",
            printer.name,
            extra={EVENT_ACTION: "job.created"},
        )
        with self._lock:
            self._payloads[job_id] = payload
            return self._advance(job_id)

    def _create(
        self,
        exam: Exam,
        kind: ItemKind,
        key: str,
        printer: Printer,
        units: int,
        media: str,
        digests: Sequence[str | None],
        claim: Claim | None,
    ) -> int:
        """The job's row with its units, before anything is sent; a reprint uses up its
        authorisation (the fleet's, taken with the claim, or this kiosk's own)."""
        with self.store.session() as session:
            job = JobRepository(session).create(
                kind=kind.value,
                study_uid=exam.study_uid,
                accession=exam.accession_number,
                patient_id=exam.patient_id,
                printer=printer.name,
                units_total=units,
                media=media,
            )
            for unit, digest in zip(job.units, digests, strict=True):
                unit.digest = digest or ""  # a sheet still being composed: when it is sent
            if claim is not None and claim.reprint:
                job.reprint = True
                AuditRepository(session).record(
                    ACTOR,
                    "reprint.used",
                    subject=f"job {job.id}",
                    detail={"authorisation": claim.authorisation, "item": key, "fleet": True},
                )
            elif LedgerRepository(session).last_delivery(key) is not None:
                authorisation = ReprintRepository(session).pending(key)
                if authorisation is not None:
                    ReprintRepository(session).use(authorisation, job)
                    job.reprint = True
                    AuditRepository(session).record(
                        ACTOR,
                        "reprint.used",
                        subject=f"job {job.id}",
                        detail={"authorisation": authorisation.id, "item": key},
                    )
            job_id = job.id
        if claim is not None and self.fleet is not None:
            self.fleet.attach(claim, job)  # after the commit: the journal is in this database
        return job_id

    # ------------------------------------------------------------------ tracking

    def wait(self, job_ids: Iterable[int], timeout: float) -> dict[int, JobResult]:
        """Poll until every job is final or ``timeout`` seconds pass; return where each is."""
        ids = list(job_ids)
        results = {i: self.check(i) for i in ids}
        deadline = self.clock() + timeout
        while any(r.state in (JobState.SUBMITTED, JobState.PAUSED) for r in results.values()):
            if self.clock() >= deadline:
                break
            self.sleep(self.poll_interval)
            for job_id, result in results.items():
                if result.state in (JobState.SUBMITTED, JobState.PAUSED):
                    results[job_id] = self.check(job_id)
        return results

    def check(self, job_id: int) -> JobResult:
        """Ask the printer once about a job's sheets in flight, record it, send the next."""
        with self._lock:
            return self._advance(job_id)

    def result(self, job_id: int) -> JobResult:
        """Where a job stands, from the database only."""
        with self.store.session() as session:
            return self._to_result(JobRepository(session).get(job_id))

    def reconcile(self) -> list[JobResult]:
        """After a start or a crash: settle every open job with what its printer says.

        Jobs this process is driving are simply checked. Jobs from an earlier run: sheets the
        printer confirmed are confirmed; a sheet that may or may not have reached it makes the
        job UNKNOWN; a job with sheets left waits for a nurse. Nothing is sent.
        """
        with self.store.session() as session:
            open_jobs = [j.id for j in JobRepository(session).open_jobs()]
        results = []
        with self._lock:
            for job_id in open_jobs:
                if job_id in self._payloads:
                    results.append(self._advance(job_id))
                else:
                    results.append(self._reconcile_orphan(job_id))
        return results

    def _reconcile_orphan(self, job_id: int) -> JobResult:
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            for unit in job.units:
                if unit.state == UnitState.SENDING.value:
                    unit.state = UnitState.UNCERTAIN.value
            queued = JobState(job.state) is JobState.QUEUED
        if queued:
            return self._finish(job_id, JobState.UNKNOWN, "interrupted before the printer answered")
        result = self._settle(job_id)
        if not result.state.open:
            return result
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            uncertain = any(u.state == UnitState.UNCERTAIN.value for u in job.units)
        if uncertain:
            return self._finish(
                job_id, JobState.UNKNOWN, "interrupted: a sheet may or may not have printed"
            )
        left = result.units - result.confirmed
        return self._hold(
            job_id, f"interrupted by a restart with {left} of {result.units} unit(s) unconfirmed"
        )

    # ------------------------------------------------------------------ the state machine

    def _advance(self, job_id: int) -> JobResult:
        """Settle the units in flight with the printer, then send the next batch if allowed."""
        result = self._settle(job_id)
        if not result.state.open or result.attention:
            return result
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            if self.fleet is not None:
                self.fleet.renew(job)  # this kiosk still prints it: the lease holds
            in_flight = [u for u in job.units if u.state in _IN_FLIGHT]
            pending = [u.index for u in job.units if u.state == UnitState.PENDING.value]
            state = JobState(job.state)
        if in_flight or not pending or state is JobState.PAUSED:
            return result
        payload = self._payloads.get(job_id)
        if payload is None:
            return self._hold(job_id, "the kiosk restarted: what to print is gone")
        batch = pending[:1] if payload.per_unit else pending
        return self._send(job_id, batch, payload)

    def _send(self, job_id: int, batch: list[int], payload: _Payload) -> JobResult:
        digests: list[str] | None = None
        if payload.digests is not None:
            try:
                digests = payload.digests(batch)  # waits while a later sheet is composed
            except Exception as exc:  # a damaged later image: the sheets before it printed
                log.warning("job %d: unit(s) %s could not be made: %s", job_id, batch, exc)
                sheets = ", ".join(str(i + 1) for i in batch)
                return self._hold(job_id, f"sheet {sheets} could not be made: {exc}")
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            for n, unit in enumerate(self._units(job, batch)):
                if digests is not None and not unit.digest:
                    unit.digest = digests[n]
                unit.state = UnitState.SENDING.value
                unit.attempts += 1
            kind = ItemKind(job.kind)
            ever_sent = any(u.printer_job_id for u in job.units)
            title = f"{job.kind}-{job.accession or job.study_uid[-12:]}-{job.id}"
        if payload.per_unit and kind is ItemKind.FILM:
            title += f"-s{batch[0] + 1}"
        printer = self.printer_for(kind)
        try:
            printer_job = payload.send(batch, title)
        except PrinterFaultError as exc:
            # the printer refused for a condition: nothing of this batch printed
            self._set_units(job_id, batch, UnitState.PENDING)
            reason = ", ".join(exc.reasons) or exc.detail
            log.warning("job %d: %s refused unit(s) %s: %s", job_id, printer.name, batch, reason)
            return self._pause(job_id, reason, f"printer fault: {exc.detail}")
        except PrinterError as exc:
            if exc.code == "job.uncertain":
                self._set_units(job_id, batch, UnitState.UNCERTAIN)
                return self._finish(job_id, JobState.UNKNOWN, exc.detail)
            self._set_units(job_id, batch, UnitState.PENDING)
            log.warning("job %d: printer %s refused it: %s", job_id, printer.name, exc)
            if not ever_sent:
                return self._finish(job_id, JobState.FAILED, exc.detail)
            return self._pause(job_id, exc.detail, f"printer refused: {exc.detail}")
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            now = utcnow()
            for unit in self._units(job, batch):
                unit.state, unit.printer_job_id, unit.sent_at = (
                    UnitState.SENT.value,
                    printer_job,
                    now,
                )
            job.printer_job_id = printer_job
            if JobState(job.state) is JobState.QUEUED:
                repo.set_state(job, JobState.SUBMITTED)
            log.info(
                "job %d: unit(s) %s sent to %s as %s",
                job_id,
                batch,
                printer.name,
                printer_job,
                extra={EVENT_ACTION: "job.sent"},
            )
            return self._to_result(job)

    def _settle(self, job_id: int) -> JobResult:
        """Ask the printer about every printer job in flight; record what it says."""
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            state, kind = JobState(job.state), ItemKind(job.kind)
            sent: dict[str, list[int]] = {}
            for unit in job.units:
                if unit.state == UnitState.SENT.value and unit.printer_job_id:
                    sent.setdefault(unit.printer_job_id, []).append(unit.index)
            result = self._to_result(job)
        if not state.open:
            return result
        printer = self.printer_for(kind)
        problems: list[str] = []  # conditions that hold a printer job up
        for printer_job, units in sent.items():
            try:
                status = printer.job_status(printer_job)
            except PrinterError as exc:
                if exc.code in ("job.unknown", "job.uncertain"):
                    # The printer lost the job (or CUPS could not tell how it ended): the
                    # sheets may or may not be in the tray. A nurse looks; nothing is resent.
                    self._set_units(job_id, units, UnitState.UNCERTAIN)
                    return self._finish(job_id, JobState.UNKNOWN, exc.detail)
                log.warning("job %d: cannot ask %s: %s", job_id, printer.name, exc)
                return self.result(job_id)
            if status.phase is JobPhase.COMPLETED:
                self._confirm(job_id, units)
            elif status.phase in (JobPhase.CANCELED, JobPhase.ABORTED):
                # Ended without printing, and not by the kiosk (its own cancel never asks the
                # printer again): a printer that gave up (CUPS's ipp backend ends an aborted
                # remote job as canceled) or someone at the printer or the print server. A fault
                # for the nurse; the units are lost, resent only when a nurse resumes.
                self._set_units(job_id, units, UnitState.LOST)
                ended = "canceled" if status.phase is JobPhase.CANCELED else "aborted"
                why = f"{ended} at the printer" + (f": {status.message}" if status.message else "")
                log.warning("job %d: printer job %s ended: %s", job_id, printer_job, why)
                if not self._any_confirmed(job_id):
                    # nothing of this item printed: the visit says so, the item stays printable
                    with self.store.session() as session:
                        events.device_fault(session, printer.name, why, job_id=job_id)
                    return self._finish(job_id, JobState.FAILED, why)
                return self._pause(job_id, why, f"unit(s) {units} not printed: {why}")
            else:
                blocking = error_reasons(status)
                if blocking or status.phase in (JobPhase.STOPPED, JobPhase.HELD):
                    problems.append(", ".join(blocking) or status.message or status.phase.value)
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            done = all(u.state == UnitState.CONFIRMED.value for u in job.units)
            attention = job.attention
        if done:
            return self._finish(job_id, JobState.COMPLETED, "")
        if problems:
            return self._pause(job_id, "; ".join(problems))
        if state is JobState.PAUSED and not attention:
            log.info("job %d on %s is printing again", job_id, printer.name)
            return self._set(job_id, JobState.SUBMITTED, "")
        return self.result(job_id)

    # ------------------------------------------------------------------ nurse actions

    def resume(self, job_id: int, actor: str = ACTOR) -> JobResult:
        """A nurse cleared the printer: re-enable it and go on from the first unconfirmed unit.

        Lost units are sent again (they did not print). On a job whose outcome is UNKNOWN,
        resuming means the nurse found the uncertain sheets missing from the tray: they are
        sent again too. Raises PrinterError if the printer cannot be re-enabled, and ValueError
        for a job that is not paused or cannot be resumed.
        """
        with self._lock:
            with self.store.session() as session:
                job = JobRepository(session).get(job_id)
                state, kind = JobState(job.state), ItemKind(job.kind)
                in_flight = next(
                    (u.printer_job_id for u in job.units if u.state == UnitState.SENT.value), None
                )
                unsent = [u.index for u in job.units if u.state in _RESENDABLE]
            if state not in (JobState.PAUSED, JobState.SUBMITTED, JobState.UNKNOWN):
                raise ValueError(f"job {job_id} is {state.value}: nothing to resume")
            if unsent and job_id not in self._payloads:
                # The kiosk restarted since: rebuild the sheets, or refuse (ValueError).
                self._payloads[job_id] = self._rebuild(job_id)
            self.printer_for(kind).resume(in_flight)
            with self.store.session() as session:
                repo = JobRepository(session)
                job = repo.get(job_id)
                for unit in job.units:
                    if unit.state in _RESENDABLE:
                        unit.state = UnitState.PENDING.value
                job.attention = ""
                repo.set_state(job, JobState.SUBMITTED)
                AuditRepository(session).record(
                    actor,
                    "job.resumed",
                    subject=f"job {job_id}",
                    detail={"printer": job.printer, "unsent": unsent},
                )
            log.info("job %d resumed by %s", job_id, actor)
            return self._advance(job_id)

    def _rebuild(self, job_id: int) -> _Payload:
        """A job's content, recomposed from the study after a restart, and proven identical.

        Composition is deterministic, so the same study and settings give the same sheets; the
        digest recorded with each unit proves it. Anything else (the study or the film settings
        changed, the cloud is down and nothing is cached) is refused: a different sheet 3 on
        the patient's film would be worse than a reprint.
        """
        gone = "cancel it and authorise a reprint"
        if self.recompose is None:
            raise ValueError(f"job {job_id}: the kiosk restarted since it was sent; {gone}")
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            kind, study, accession, patient = (
                ItemKind(job.kind),
                job.study_uid,
                job.accession,
                job.patient_id,
            )
            digests = [u.digest for u in job.units]
        if not digests or not digests[0]:
            raise ValueError(f"job {job_id}: recorded without content digests; {gone}")
        try:
            content = self.recompose(kind, study, accession, patient)
        except KioskError as exc:
            raise ValueError(f"job {job_id}: cannot recompose it ({exc}); {gone}") from exc
        if isinstance(content, bytes):
            if [document_digest(content)] * len(digests) != digests:
                raise ValueError(f"job {job_id}: the report changed since it was sent; {gone}")
            log.info("job %d: report recomposed after a restart, identical", job_id)
            return self._report_payload(content)
        made = [sheet_digest(s) for s in content]
        # a sheet never sent may have had no digest yet (composed after the first was sent)
        differ = len(made) != len(digests) or any(
            d and d != m for d, m in zip(digests, made, strict=True)
        )
        if differ:
            raise ValueError(
                f"job {job_id}: the recomposed sheets differ from those first sent (the study "
                f"or the film settings changed); {gone}"
            )
        log.info("job %d: %d sheets recomposed after a restart, identical", job_id, len(content))
        return self._film_payload(FilmStream.of(list(content)))

    def cancel(self, job_id: int, actor: str = ACTOR, reason: str = "") -> JobResult:
        """Cancel a job: its printer jobs in flight are cancelled, nothing more is sent.

        A printer job that completed in the meantime still counts as printed (its units stay
        confirmed); the item is not delivered, so it is not in the ledger. A sheet already
        with the printer may come out all the same (the jam is cleared, the printer finishes
        it): the kiosk asks each cancelled printer job how it ended. When that makes every
        sheet printed, the item is delivered after all (the patient's next visit does not
        print it again); a printer job that cannot say (or does not end) leaves its sheets
        uncertain and the job's outcome UNKNOWN, held for the nurse to look in the tray.
        """
        with self._lock:
            self._settle(job_id)
            with self.store.session() as session:
                job = JobRepository(session).get(job_id)
                state, kind = JobState(job.state), ItemKind(job.kind)
                in_flight: dict[str, list[int]] = {}
                for unit in job.units:
                    if unit.state == UnitState.SENT.value and unit.printer_job_id:
                        in_flight.setdefault(unit.printer_job_id, []).append(unit.index)
            if not state.open and state is not JobState.UNKNOWN:
                return self.result(job_id)
            printer = self.printer_for(kind)
            for printer_job in in_flight:
                try:
                    printer.cancel(printer_job)
                except PrinterError as exc:
                    log.warning(
                        "job %d: cancel %s on %s: %s", job_id, printer_job, printer.name, exc
                    )
            printed: list[int] = []
            uncertain: list[int] = []
            for printer_job in in_flight:
                ended = self._after_cancel(job_id, printer, printer_job)
                if ended is JobPhase.COMPLETED:
                    printed += in_flight[printer_job]
                elif ended is None:
                    uncertain += in_flight[printer_job]
            if printed:
                self._confirm(job_id, printed)
            with self.store.session() as session:
                job = JobRepository(session).get(job_id)
                all_printed = all(u.state == UnitState.CONFIRMED.value for u in job.units)
                for unit in job.units:
                    if unit.index in uncertain:
                        unit.state = UnitState.UNCERTAIN.value
                    elif unit.state != UnitState.CONFIRMED.value:
                        unit.state = UnitState.CANCELED.value
                job.attention = ""
                if uncertain:
                    sheets = ", ".join(str(i + 1) for i in sorted(uncertain))
                    why = (
                        f"canceled by {actor}, but {kind.value} unit(s) {sheets} were with the "
                        "printer and may have printed: look in the tray"
                    )
                    job.attention = why
            self._payloads.pop(job_id, None)
            if uncertain:
                log.warning("job %d: %s", job_id, why)
                return self._finish(job_id, JobState.UNKNOWN, why, actor)
            if all_printed and printed:
                why = f"printed before the cancel by {actor} took effect"
                return self._finish(job_id, JobState.COMPLETED, why, actor)
            return self._finish(job_id, JobState.CANCELED, reason or f"canceled by {actor}", actor)

    def _after_cancel(self, job_id: int, printer: Printer, printer_job: str) -> JobPhase | None:
        """How a printer job ended after the kiosk cancelled it: its final phase (COMPLETED: it
        printed all the same), or None when it may have printed (the printer cannot say, or the
        job does not end)."""
        deadline = self.clock() + CANCEL_SETTLE_S
        while True:
            try:
                phase = printer.job_status(printer_job).phase
            except PrinterError as exc:
                if exc.code in ("job.unknown", "job.uncertain"):
                    log.info("job %d: canceled %s: %s", job_id, printer_job, exc.detail)
                    return None
                phase = None
            if phase is not None and phase.final:
                return phase
            if self.clock() >= deadline:
                log.info("job %d: %s did not end after its cancel", job_id, printer_job)
                return None
            self.sleep(self.poll_interval)

    def confirm_printed(self, job_id: int, actor: str) -> JobResult:
        """A nurse found the uncertain sheets in the tray: they printed after all.

        With nothing else left the job is delivered. With sheets the kiosk never sent (it was
        cut off while handing over sheet 2 of 3), the uncertain ones are confirmed and the job
        goes on with the rest, as a resume does: the sheets in the tray are not sent again.
        """
        with self._lock:
            with self.store.session() as session:
                job = JobRepository(session).get(job_id)
                if JobState(job.state) is not JobState.UNKNOWN:
                    raise ValueError(f"job {job_id} is {job.state}, not unknown")
                done = (UnitState.CONFIRMED.value, UnitState.UNCERTAIN.value)
                left = [u.index for u in job.units if u.state not in done]
                if not left:
                    JobRepository(session).confirm_all_units(job)
            if not left:
                return self._finish(job_id, JobState.COMPLETED, f"confirmed by {actor}", actor)
            if job_id not in self._payloads:
                # Rebuild (and prove identical) before anything changes: a refusal leaves
                # the job unknown for the nurse, as it was.
                self._payloads[job_id] = self._rebuild(job_id)
            with self.store.session() as session:
                job = JobRepository(session).get(job_id)
                now = utcnow()
                uncertain = [u.index for u in job.units if u.state == UnitState.UNCERTAIN.value]
                for unit in job.units:
                    if unit.state == UnitState.UNCERTAIN.value:
                        unit.state, unit.confirmed_at = UnitState.CONFIRMED.value, now
                AuditRepository(session).record(
                    actor,
                    "job.units_confirmed",
                    subject=f"job {job_id}",
                    detail={"printer": job.printer, "in_tray": uncertain, "left": left},
                )
            log.info("job %d: sheet(s) %s found in the tray by %s", job_id, uncertain, actor)
            return self.resume(job_id, actor)

    # ------------------------------------------------------------------ recording

    @staticmethod
    def _units(job: PrintJob, indexes: Sequence[int]) -> list[PrintUnit]:
        wanted = set(indexes)
        return [u for u in job.units if u.index in wanted]

    def _set_units(self, job_id: int, indexes: Sequence[int], state: UnitState) -> None:
        with self.store.session() as session:
            for unit in self._units(JobRepository(session).get(job_id), indexes):
                unit.state = state.value

    def _any_confirmed(self, job_id: int) -> bool:
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            return any(u.state == UnitState.CONFIRMED.value for u in job.units)

    def _confirm(self, job_id: int, indexes: Sequence[int]) -> None:
        """The printer confirmed these units; film counts down the loaded film, same commit."""
        with self.store.session() as session:
            job = JobRepository(session).get(job_id)
            now = utcnow()
            units = [u for u in self._units(job, indexes) if u.state != UnitState.CONFIRMED.value]
            for unit in units:
                unit.state, unit.confirmed_at = UnitState.CONFIRMED.value, now
            if job.kind == ItemKind.FILM.value and job.media and units:
                ConsumableRepository(session).use(job.printer, job.media, len(units))
        log.info(
            "job %d: unit(s) %s confirmed",
            job_id,
            list(indexes),
            extra={EVENT_ACTION: "job.confirmed"},
        )

    def _set(self, job_id: int, state: JobState, reason: str) -> JobResult:
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            if job.state != state.value or job.reason != reason:
                repo.set_state(job, state, reason)
            return self._to_result(job)

    def _pause(self, job_id: int, reason: str, attention: str = "") -> JobResult:
        """PAUSED with the printer's reason; with ``attention`` it waits for a nurse."""
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            if job.state != JobState.PAUSED.value:
                log.warning(
                    "job %d paused on %s: %s",
                    job_id,
                    job.printer,
                    reason,
                    extra={EVENT_ACTION: "job.paused"},
                )
                events.device_fault(session, job.printer, reason, job_id=job_id)  # issue 5
                AuditRepository(session).record(
                    ACTOR,
                    "job.paused",
                    subject=f"job {job_id}",
                    detail={"printer": job.printer, "reason": reason, "attention": attention},
                )
            if job.state != JobState.PAUSED.value or job.reason != reason:
                repo.set_state(job, JobState.PAUSED, reason)
            if attention:
                job.attention = attention
            return self._to_result(job)

    def _hold(self, job_id: int, attention: str) -> JobResult:
        """Wait for a nurse, whatever the printer does: nothing more is sent by itself."""
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            if job.attention == attention and job.state == JobState.PAUSED.value:
                return self._to_result(job)  # already waiting (reconciled at every visit)
            job.attention = attention
            repo.set_state(job, JobState.PAUSED, job.reason or attention)
            AuditRepository(session).record(
                ACTOR, "job.held", subject=f"job {job_id}", detail={"attention": attention}
            )
            log.warning(
                "job %d waits for a nurse: %s",
                job_id,
                attention,
                extra={EVENT_ACTION: "job.attention"},
            )
            return self._to_result(job)

    def _finish(self, job_id: int, state: JobState, reason: str, actor: str = ACTOR) -> JobResult:
        with self.store.session() as session:
            repo = JobRepository(session)
            job = repo.get(job_id)
            repo.set_state(job, state, reason)
            if state is JobState.COMPLETED:
                repo.confirm_all_units(job)
                job.attention = ""
                entry = LedgerRepository(session).record_delivery(job)
                events.item_delivered(session, job, entry)  # outbox, same transaction (issue 5)
            AuditRepository(session).record(
                actor,
                f"job.{state.value}",
                subject=f"job {job.id}",
                detail={"kind": job.kind, "printer": job.printer, "reason": reason},
            )
            log.info(
                "job %d: %s%s",
                job_id,
                state.value,
                f" ({reason})" if reason else "",
                extra={EVENT_ACTION: f"job.{state.value}"},
            )
            result = self._to_result(job)
        if self.fleet is not None:
            self.fleet.finished(job, state)  # the claim follows: delivered, released, unknown
        if not state.open and state is not JobState.UNKNOWN:
            self._payloads.pop(job_id, None)
        return result

    @staticmethod
    def _to_result(job: PrintJob) -> JobResult:
        return JobResult(
            job.id,
            ItemKind(job.kind),
            JobState(job.state),
            job.reason,
            job.units_total,
            job.printer,
            confirmed=sum(1 for u in job.units if u.state == UnitState.CONFIRMED.value),
            attention=job.attention,
        )
