"""One patient's visit: resolve the code, list the exams, print what policy allows, report."""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from drivers.base import PrinterStatus
from kiosk_app.core import messages
from kiosk_app.core.credentials import parse_code
from kiosk_app.core.errors import BadStudyDataError, KioskError
from kiosk_app.core.models import (
    Credential,
    Exam,
    ItemKind,
    ItemOutcome,
    ItemState,
    JobState,
    PrintSummary,
)
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import ItemContent
from kiosk_app.services.device_status import patient_problem
from kiosk_app.services.fleet import ClaimRefusedError, FleetLedger
from kiosk_app.services.offer import DEFAULT_RECENT_DAYS, Offer, offer
from kiosk_app.services.policy import PRINTABLE, Decision, Policy
from kiosk_app.services.printing import JobResult, PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import (
    JobRepository,
    LedgerRepository,
    ReprintRepository,
    item_key,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedItem:
    """An item of an exam and whether it may print now."""

    exam: Exam
    kind: ItemKind
    decision: Decision
    count: int | None = None
    """Pages of the report, or film sheets, it will print: known before printing for a
    printable item (:meth:`VisitService.with_counts`); None when it cannot be known cheaply."""
    ticked: bool = True
    """Offered ticked (a recent exam, or the one an exam slip names); False for an older
    exam of the patient, listed unticked behind "more" and left out by ``kiosk print``
    (:mod:`kiosk_app.services.offer`)."""


Progress = Callable[[str, dict[str, object]], None]


def _no_progress(_event: str, _data: dict[str, object]) -> None:
    return None


class VisitService:
    """The patient flow without a screen; the UI and ``kiosk print`` both drive it."""

    #: seconds the exam list waits for the printers to say whether they can print now
    STATUS_WAIT = 3.0

    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        policy: Policy,
        printing: PrintingService,
        content: ItemContent,
        job_timeout: float,
        locale: str = "en",
        identify: Callable[[str], tuple[Credential, list[Exam]]] | None = None,
        recent_days: int = DEFAULT_RECENT_DAYS,
        today: Callable[[], date] = date.today,
        fleet: FleetLedger | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.policy = policy
        self.printing = printing
        self.content = content
        self.job_timeout = job_timeout
        self.locale = locale
        #: identity resolution per the site's settings (``IdentityService.find``); without it,
        #: default code rules and a direct catalog search
        self.identify = identify
        #: ``[policy] recent_days``: a person's exams of these last days are offered ticked
        self.recent_days = recent_days
        #: the kiosk's local date (injected by tests)
        self.today = today
        #: the fleet's shared ledger (``[fleet]``): print-once across kiosks; None: this kiosk
        self.fleet = fleet

    def find(self, code: str) -> tuple[Credential, list[Exam]]:
        """Parse the code and look the exams up (raises KioskError with a message id)."""
        if self.identify is not None:
            return self.identify(code)
        credential = parse_code(code)
        return credential, self.catalog.exams_for(credential)

    def offer(self, credential: Credential, exams: list[Exam]) -> Offer:
        """Which of ``exams`` the visit for ``credential`` offers, and which ticked."""
        return offer(credential, exams, today=self.today(), recent_days=self.recent_days)

    def offered(self, credential: Credential, exams: list[Exam]) -> list[Exam]:
        """The exams the visit lists, in the order found (newest first)."""
        chosen = self.offer(credential, exams)
        listed = {e.study_uid for e in (*chosen.ticked, *chosen.older)}
        return [e for e in exams if e.study_uid in listed]

    def plan(
        self, exams: list[Exam], *, count: bool = False, credential: Credential | None = None
    ) -> list[PlannedItem]:
        """Each exam's report and film, with what policy says about printing them now (and,
        with ``count``, the pages and sheets of those that may print: :meth:`with_counts`).

        With ``credential``, only the exams its visit offers are planned, those of an older
        exam unticked (:meth:`offer`); without, every exam ticked (a nurse's reprint list).
        """
        ticked: set[str] | None = None
        if credential is not None:
            chosen = self.offer(credential, exams)
            ticked = {e.study_uid for e in chosen.ticked}
            exams = self.offered(credential, exams)
        planned = []
        stopped = self.printer_problems()
        with self.store.session() as session:
            ledger = LedgerRepository(session)
            open_items = {j.item_key: j.state for j in JobRepository(session).open_jobs()}
            unknown = set(JobRepository(session).item_keys_in_state(JobState.UNKNOWN))
            for exam in exams:
                for kind in (ItemKind.REPORT, ItemKind.FILM):
                    key = item_key(exam.study_uid, kind.value)
                    if key in open_items or key in unknown:
                        state = open_items.get(key, JobState.UNKNOWN.value)
                        decision = Decision(False, "item.in_progress", {"state": state})
                    else:
                        last = ledger.last_delivery(key)
                        decision = self.policy.decide(
                            exam,
                            kind,
                            last.delivered_at if last else None,
                            reprint_authorised=ReprintRepository(session).pending(key) is not None,
                        )
                        decision = self._fleet_decision(exam, kind, decision)
                        if decision.printable and stopped.get(kind):
                            # its printer cannot print it now: not offered, and said why
                            decision = Decision(False, stopped[kind])
                    planned.append(
                        PlannedItem(
                            exam,
                            kind,
                            decision,
                            ticked=ticked is None or exam.study_uid in ticked,
                        )
                    )
        return self.with_counts(planned) if count else planned

    def _fleet_decision(self, exam: Exam, kind: ItemKind, decision: Decision) -> Decision:
        """What the fleet's shared ledger adds to this kiosk's own decision: printing or
        printed at another kiosk, waiting for a nurse, a fleet-wide reprint authorisation,
        or the offline rule when the shared ledger cannot be reached."""
        if self.fleet is None:
            return decision
        if not decision.printable and decision.message_id != "item.already_printed":
            return decision  # not final, no images...: the fleet cannot change that
        fleet = self.fleet.decide(exam, kind)
        if fleet is not None:
            return fleet
        if not decision.printable and self.fleet.reprint_pending(
            item_key(exam.study_uid, kind.value)
        ):
            return PRINTABLE  # printed here before; a nurse (at any kiosk) allowed once more
        return decision

    def printer_problems(self) -> dict[ItemKind, str]:
        """What stops each printer printing now (a patient message id), by the kind of item
        it prints; a printer that can print is not in it. Asked once per plan: a film
        printer out of film or jammed, or offline, is not offered to the patient as
        printable (the job would only wait for a nurse)."""
        problems = {}
        # Both printers are asked at once, and for at most STATUS_WAIT seconds: a DICOM
        # printer that took the connection and froze would otherwise hold the patient's exam
        # list for its whole association timeout. One that is silent that long is offered
        # (reachable; printing has its own timeouts and holds the job for a nurse).
        asked = {kind: _in_daemon(self.printing.printer_for(kind).status) for kind in ItemKind}
        deadline = time.monotonic() + self.STATUS_WAIT
        for kind, future in asked.items():
            try:
                status = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                log.warning("%s printer status: no answer in %g s", kind.value, self.STATUS_WAIT)
                continue
            except Exception as exc:  # a driver that cannot even say: not to be counted on
                log.warning("%s printer status unavailable (%s)", kind.value, type(exc).__name__)
                problems[kind] = "item.printer_offline"
                continue
            problem = patient_problem(status, film=kind is ItemKind.FILM)
            if problem:
                log.info("%s printer cannot print now: %s", kind.value, problem)
                problems[kind] = problem
        return problems

    def with_counts(self, planned: list[PlannedItem]) -> list[PlannedItem]:
        """``planned`` with the pages of each printable report and the film sheets of each
        printable film, as they will print, so the patient sees how much will come out.

        Only ticked items are counted (an older exam behind "more" is not fetched unless
        chosen: its count then reads in items). Cheap by design: a report's pages come from
        its PDF (the instance was fetched to check it is final; a structured report is
        rendered once and kept); a film's sheets from the film plan over the images' headers
        (no pixel data fetched or rendered). A count that cannot be had cheaply, or fails,
        stays None: the screen then counts items.
        """
        counted = [
            dataclasses.replace(item, count=self._count(item))
            if item.decision.printable and item.ticked and item.count is None
            else item
            for item in planned
        ]
        for item in counted:  # while the patient reads the confirmation screen
            if item.kind is ItemKind.FILM and item.decision.printable and item.count:
                self.content.prepare(item.exam)
        return counted

    def _count(self, item: PlannedItem) -> int | None:
        try:
            if item.kind is ItemKind.REPORT:
                return count_pages(self.content.report(item.exam))
            plan = self.content.film_plan(item.exam)
            return plan.sheets if plan is not None else None
        except KioskError as exc:  # printing will say what is wrong; the count is not known
            log.info("%s of a study not counted before printing: %s", item.kind.value, exc)
        except Exception as exc:  # a count must never keep a patient from their exam list
            log.warning("%s of a study not counted: %s", item.kind.value, type(exc).__name__)
            log.debug("counting failed", exc_info=True)
        return None

    def print_code(self, code: str, progress: Progress = _no_progress) -> PrintSummary:
        """The whole flow for one code. Raises KioskError when nothing can be listed."""
        self.printing.reconcile()
        if self.fleet is not None:
            self.fleet.reconcile()  # what an outage left for the shared ledger, first
        credential, exams = self.find(code)
        planned = self.plan(exams, credential=credential)
        progress("found", {"exams": len({p.exam.study_uid for p in planned})})
        return self.print_planned(code, [self._as_offered(p) for p in planned], progress)

    def _as_offered(self, item: PlannedItem) -> PlannedItem:
        """An unticked item (an older exam) as ``kiosk print`` reports it: skipped, saying
        why, unless policy already holds it back for a reason of its own."""
        if item.ticked or not item.decision.printable:
            return item
        why = Decision(False, "item.not_recent", {"days": self.recent_days})
        return dataclasses.replace(item, decision=why)

    def print_planned(
        self, code: str, planned: list[PlannedItem], progress: Progress = _no_progress
    ) -> PrintSummary:
        summary = PrintSummary(code=code)
        outcomes: dict[int, ItemOutcome] = {}
        jobs: dict[int, int] = {}  # job id -> index in summary.items
        for item in planned:
            if not item.decision.printable:
                outcomes[len(outcomes)] = ItemOutcome(
                    item.kind,
                    item.exam.study_uid,
                    ItemState.SKIPPED,
                    item.decision.reason(self.locale),
                    printer=self.printing.printer_for(item.kind).name,
                    message_id=item.decision.message_id,
                    params=item.decision.params,
                )
                continue
            index = len(outcomes)
            try:
                result = self._submit(item)
            except ClaimRefusedError as exc:  # another kiosk won the race, or holds it
                log.info("%s of a study not printed: %s", item.kind.value, exc.message_id)
                outcomes[index] = ItemOutcome(
                    item.kind,
                    item.exam.study_uid,
                    ItemState.SKIPPED,
                    exc.text(self.locale),
                    printer=self.printing.printer_for(item.kind).name,
                    message_id=exc.message_id,
                    params=exc.params,
                )
                continue
            except KioskError as exc:
                log.warning("%s of study could not be sent: %s", item.kind.value, exc)
                outcomes[index] = ItemOutcome(
                    item.kind,
                    item.exam.study_uid,
                    ItemState.FAILED,
                    exc.text(self.locale),
                    printer=self.printing.printer_for(item.kind).name,
                    message_id=exc.message_id,
                    params=exc.params,
                )
                continue
            progress(
                "submitted",
                {
                    "kind": item.kind.value,
                    "units": result.units,
                    "job_id": result.job_id,
                    "study_uid": item.exam.study_uid,
                },
            )
            outcomes[index] = self._outcome(item, result)
            if result.state is JobState.SUBMITTED:
                jobs[result.job_id] = index
        if jobs:
            done = self.printing.wait(jobs, self.job_timeout)
            for job_id, result in done.items():
                index = jobs[job_id]
                item_outcome = outcomes[index]
                outcomes[index] = self._outcome_from(item_outcome, result)
                progress("finished", {"kind": result.kind.value, "state": result.state.value})
        summary.items = [outcomes[i] for i in sorted(outcomes)]
        return summary

    # ------------------------------------------------------------------ helpers

    def _submit(self, item: PlannedItem) -> JobResult:
        if item.kind is ItemKind.REPORT:
            pdf = self.content.report(item.exam)
            return self.printing.submit_report(item.exam, pdf, count_pages(pdf))
        return self.printing.submit_film(item.exam, self.content.film_stream(item.exam))

    def _outcome(self, item: PlannedItem, result: JobResult) -> ItemOutcome:
        return self._outcome_from(
            ItemOutcome(
                item.kind, item.exam.study_uid, ItemState.FAILED, "", result.units, result.printer
            ),
            result,
        )

    def _outcome_from(self, base: ItemOutcome, result: JobResult) -> ItemOutcome:
        message_id, params = "", {}
        if result.state is JobState.COMPLETED:
            state = ItemState.DELIVERED
        elif result.state in (JobState.SUBMITTED, JobState.PAUSED):
            state, message_id = ItemState.FAILED, "printer.timeout"
            params = {
                "printer": result.printer,
                "seconds": int(self.job_timeout),
                "detail": result.reason or "still printing",
            }
        else:
            state, message_id = ItemState.FAILED, "printer.failed"
            params = {"printer": result.printer, "detail": result.reason}
        reason = messages.text(message_id, self.locale, **params) if message_id else ""
        return ItemOutcome(
            base.kind,
            base.study_uid,
            state,
            reason,
            result.units,
            result.printer,
            message_id=message_id,
            params=params,
        )


def _in_daemon(call: Callable[[], PrinterStatus]) -> Future[PrinterStatus]:
    """``call()`` in a daemon thread: one that hangs neither holds its caller past a timeout
    nor keeps the process from exiting (as a pool's worker would, joined at exit)."""
    future: Future[PrinterStatus] = Future()

    def run() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to whoever waits
            future.set_exception(exc)

    threading.Thread(target=run, name="printer-status", daemon=True).start()
    return future


def count_pages(pdf: bytes) -> int:
    """Pages in a report PDF; a damaged PDF is refused before it reaches a printer."""
    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise BadStudyDataError(detail=f"report PDF is damaged: {exc}") from exc
