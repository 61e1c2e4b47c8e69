"""Events that must leave the kiosk, written into the outbox inside the caller's transaction.

Each function takes the Session of the unit of work that makes the state change (the ledger's
delivery, a job pausing on a printer fault, a nurse's reprint authorisation), so the event is
committed with the change or not at all. :mod:`offline_cache.sync` sends them later. Payloads
carry UIDs, printer names and counts; never a patient's name or ID.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk_app.store.tables import LedgerEntry, PrintJob
from offline_cache import outbox

ITEM_DELIVERED = "item.delivered"
REPRINT_AUTHORISED = "reprint.authorised"
DEVICE_FAULT = "device.fault"
HEARTBEAT = "heartbeat"
AUDIT_RECORDED = "audit.recorded"


def item_delivered(session: Session, job: PrintJob, entry: LedgerEntry) -> str:
    return outbox.enqueue(
        session,
        ITEM_DELIVERED,
        {
            "study_uid": job.study_uid,
            "kind": job.kind,
            "printer": job.printer,
            "units": job.units_total,
            "ledger_id": entry.id,
            "reprint": bool(entry.reprint),
            "delivered_at": entry.delivered_at.isoformat() + "Z",
        },
    )


def device_fault(session: Session, printer: str, reason: str, *, job_id: int | None = None) -> str:
    return outbox.enqueue(
        session, DEVICE_FAULT, {"printer": printer, "reason": reason, "job_id": job_id}
    )


def reprint_authorised(session: Session, item_key: str, authorisation_id: int, staff: str) -> str:
    return outbox.enqueue(
        session,
        REPRINT_AUTHORISED,
        {"item": item_key, "authorisation": authorisation_id, "staff": staff},
    )


def heartbeat(session: Session, data: dict[str, object]) -> str:
    return outbox.enqueue(session, HEARTBEAT, data, coalesce=True)


def audit_recorded(session: Session, row: dict[str, object]) -> str:
    """A copy of one audit row for the centre (its id, hash and the previous row's hash, so
    the centre can check the chain it receives). Keyed by the row's hash: sent twice, counted
    once."""
    return outbox.enqueue(session, AUDIT_RECORDED, row, idempotency_key=str(row["hash"]))
