"""What a nurse does in maintenance mode, as a service the screens call (no UI here).

* see the jobs that wait for someone (paused, or with an unknown outcome after a crash) and the
  printers' conditions in operator words;
* resume a paused job once the printer is cleared (the job goes on from the first sheet the
  printer has not confirmed), or cancel it; settle a job whose outcome is unknown: the sheets
  are in the tray (:meth:`MaintenanceService.confirm_printed`) or not (resume sends them again);
* record the film or paper loaded per printer and size, which the film supply check counts down;
* authorise a reprint of an item already delivered, with a reason.

Every action is written to the audit log with the nurse's staff id. Staff ids are checked for
shape only; who may enter maintenance mode is the screen's business (issue 7).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from drivers.base import Printer
from kiosk_app.core.models import ItemKind, JobState
from kiosk_app.services import events
from kiosk_app.services.device_status import DeviceCondition, printer_conditions
from kiosk_app.services.fleet import ClaimView, FleetLedger
from kiosk_app.services.printing import JobResult, PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import (
    AuditRepository,
    ConsumableRepository,
    JobRepository,
    LedgerRepository,
    ReprintRepository,
    item_key,
)

log = logging.getLogger(__name__)

_STAFF_ID = re.compile(r"^[A-Za-z0-9._-]{2,32}$")


class MaintenanceError(ValueError):
    """A nurse's request that cannot be done as asked: ``str()`` says why (English, for the
    log), ``message_id`` what the nurse reads (kiosk_app/core/messages.py)."""

    def __init__(self, text: str, message_id: str = "mnt.action_failed") -> None:
        super().__init__(text)
        self.message_id = message_id


@dataclass(frozen=True)
class WaitingJob:
    """A job a nurse should look at."""

    job_id: int
    kind: ItemKind
    state: JobState
    printer: str
    units: int
    confirmed: int
    reason: str
    attention: str
    accession: str
    updated_at: datetime


@dataclass(frozen=True)
class Supply:
    """Film or paper loaded in one printer, for one size."""

    printer: str
    media: str
    remaining: int
    loaded: int
    updated_by: str
    updated_at: datetime


class MaintenanceService:
    def __init__(
        self,
        store: Store,
        printing: PrintingService,
        printers: dict[str, Printer],
        *,
        fleet: FleetLedger | None = None,
    ) -> None:
        self.store = store
        self.printing = printing
        self.printers = printers
        self.fleet = fleet

    # ------------------------------------------------------------------ looking
    def waiting_jobs(self) -> list[WaitingJob]:
        """Paused jobs and jobs whose outcome is unknown, oldest first."""
        with self.store.session() as session:
            jobs = JobRepository(session).in_states([JobState.PAUSED, JobState.UNKNOWN])
            return [
                WaitingJob(
                    j.id,
                    ItemKind(j.kind),
                    JobState(j.state),
                    j.printer,
                    j.units_total,
                    sum(1 for u in j.units if u.state == "confirmed"),
                    j.reason,
                    j.attention,
                    j.accession,
                    j.updated_at,
                )
                for j in jobs
            ]

    def printer_conditions(self) -> dict[str, list[DeviceCondition]]:
        """Each printer's conditions in operator words, by role (``report``, ``film``)."""
        return {role: printer_conditions(p.status()) for role, p in self.printers.items()}

    def supplies(self) -> list[Supply]:
        with self.store.session() as session:
            return [
                Supply(c.printer, c.media, c.remaining, c.loaded, c.updated_by, c.updated_at)
                for c in ConsumableRepository(session).all()
            ]

    # ------------------------------------------------------------------ acting on jobs
    def resume(self, job_id: int, staff_id: str) -> JobResult:
        """The nurse cleared the printer: re-enable it and go on with the job."""
        staff = _staff(staff_id)
        try:
            return self.printing.resume(job_id, actor=staff)
        except ValueError as exc:
            raise MaintenanceError(str(exc)) from exc

    def cancel(self, job_id: int, staff_id: str, reason: str = "") -> JobResult:
        """Cancel a job (its sheets in the printer's queue too); nothing is delivered."""
        staff = _staff(staff_id)
        return self.printing.cancel(job_id, actor=staff, reason=reason.strip())

    def confirm_printed(self, job_id: int, staff_id: str) -> JobResult:
        """A job of unknown outcome did print (the nurse has the sheets): deliver it."""
        staff = _staff(staff_id)
        try:
            return self.printing.confirm_printed(job_id, staff)
        except ValueError as exc:
            raise MaintenanceError(str(exc)) from exc

    # ------------------------------------------------------------------ consumables
    def record_loaded(self, printer: str, media: str, count: int, staff_id: str) -> Supply:
        """The nurse loaded a box: ``count`` sheets of ``media`` are now in ``printer``."""
        staff = _staff(staff_id)
        if count < 0 or count > 10_000:
            raise MaintenanceError(f"a count of {count} sheets is not plausible", "mnt.bad_count")
        if not media.strip():
            raise MaintenanceError("say which size was loaded", "mnt.no_size")
        with self.store.session() as session:
            row = ConsumableRepository(session).set_loaded(printer, media.strip(), count, staff)
            AuditRepository(session).record(
                staff,
                "supply.loaded",
                subject=f"{printer} {row.media}",
                detail={"count": count},
            )
            log.info("%s: %d %s loaded by %s", printer, count, row.media, staff)
            return Supply(
                row.printer, row.media, row.remaining, row.loaded, row.updated_by, row.updated_at
            )

    # ------------------------------------------------------------------ reprints
    def authorise_reprint(self, study_uid: str, kind: ItemKind, staff_id: str, reason: str) -> int:
        """Let the item print once more; returns the authorisation's id.

        Only an item the ledger says was delivered can be reprinted; the reason is required.
        """
        staff = _staff(staff_id)
        reason = reason.strip()
        if len(reason) < 3:
            raise MaintenanceError("a reprint needs a reason", "mnt.no_reason")
        key = item_key(study_uid, kind.value)
        if self.fleet is not None:
            return self._authorise_fleet_reprint(key, kind, staff, reason)
        with self.store.session() as session:
            if LedgerRepository(session).last_delivery(key) is None:
                raise MaintenanceError(
                    "this item was never delivered: it needs no reprint", "mnt.never_delivered"
                )
            row = ReprintRepository(session).authorise(key, staff, reason)
            events.reprint_authorised(session, key, row.id, staff)  # outbox (issue 5)
            AuditRepository(session).record(
                staff,
                "reprint.authorised",
                subject=key,
                detail={"authorisation": row.id, "reason": reason},
            )
            log.info("reprint of a %s authorised by %s (%d)", kind.value, staff, row.id)
            return row.id

    def _authorise_fleet_reprint(self, key: str, kind: ItemKind, staff: str, reason: str) -> int:
        """A reprint any kiosk of the fleet may print (the shared ledger holds it)."""
        assert self.fleet is not None
        try:
            authorisation = self.fleet.authorise_reprint(key, staff, reason)
        except ValueError as exc:
            raise MaintenanceError(str(exc)) from exc
        with self.store.session() as session:
            events.reprint_authorised(session, key, authorisation, staff)  # outbox (issue 5)
            AuditRepository(session).record(
                staff,
                "reprint.authorised",
                subject=key,
                detail={"authorisation": authorisation, "reason": reason, "fleet": True},
            )
        log.info("fleet reprint of a %s authorised by %s (%d)", kind.value, staff, authorisation)
        return authorisation

    # ------------------------------------------------------------------ the fleet
    def fleet_unknown(self) -> list[ClaimView]:
        """Items of every kiosk whose outcome is unknown (a crashed kiosk, an expired lease),
        oldest first; empty without a fleet. Raises MaintenanceError when it is unreachable."""
        if self.fleet is None:
            return []
        try:
            return self.fleet.claims()
        except Exception as exc:  # the shared ledger's own error, for the nurse's screen
            raise MaintenanceError(f"the fleet's shared ledger cannot be read: {exc}") from exc

    def settle_fleet_item(self, key: str, staff_id: str, *, printed: bool) -> ClaimView:
        """A nurse looked at another kiosk's (or this one's) unknown item: it printed, or not."""
        staff = _staff(staff_id)
        if self.fleet is None:
            raise MaintenanceError("this kiosk is not part of a fleet")
        try:
            view = self.fleet.settle(key, staff, printed=printed)
        except ValueError as exc:
            raise MaintenanceError(str(exc)) from exc
        with self.store.session() as session:
            AuditRepository(session).record(
                staff,
                "fleet.settled",
                subject=key,
                detail={"kiosk": view.kiosk_id, "printed": printed},
            )
        return view


def _staff(staff_id: str) -> str:
    staff = staff_id.strip()
    if not _STAFF_ID.match(staff):
        raise MaintenanceError(
            "a staff id is 2-32 letters, digits, '.', '_' or '-'", "mnt.bad_staff_id"
        )
    return staff
