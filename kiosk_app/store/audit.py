"""The audit log's hash chain: how a row's hash is made, and checking the whole chain.

Each row's ``hash`` is SHA-256 over its canonical content, which includes the previous row's
hash (``prev_hash``), so changing, removing or slipping in a row breaks every link after it.
The newest rows could be deleted without breaking any link: ``audit_head`` (one row, written
with every append) says how many rows there are and which one is last. SQLite triggers refuse
UPDATE and DELETE on ``audit_log`` and DELETE on ``audit_head`` (revision 0004_audit_chain);
whoever drops the triggers to edit the file is caught by :func:`verify`, and by the copy of
every row the monitoring centre received through the outbox (event ``audit.recorded``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_app.store.tables import AuditEntry, AuditHead

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""
HEAD_ID = 1


def canonical(
    row_id: int, at: datetime, actor: str, action: str, subject: str, detail: str, prev: str
) -> bytes:
    """The bytes a row's hash is taken over: sorted-key compact JSON, UTF-8."""
    content = {
        "id": row_id,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail,
        "prev": prev,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(
    row_id: int, at: datetime, actor: str, action: str, subject: str, detail: str, prev: str
) -> str:
    return hashlib.sha256(canonical(row_id, at, actor, action, subject, detail, prev)).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    return row_hash(
        entry.id,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        entry.detail,
        entry.prev_hash,
    )


def to_json(entry: AuditEntry) -> dict[str, Any]:
    """A row as the centre's copy gets it (``audit.recorded``): enough to re-check the chain."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found."""

    rows: int
    """Rows checked."""
    broken_id: int | None
    """The first row whose link is broken (for rows missing at the end: the first missing id);
    None when the chain is intact."""
    reason: str
    last_hash: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "rows": self.rows,
            "broken_id": self.broken_id,
            "reason": self.reason,
            "last_hash": self.last_hash,
        }


def verify(session: Session) -> Verdict:
    """Walk the chain in id order; the first broken link, else intact."""
    prev = GENESIS
    count = 0
    last_id = 0
    rows = session.execute(
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.subject,
            AuditEntry.detail,
            AuditEntry.prev_hash,
            AuditEntry.hash,
        ).order_by(AuditEntry.id)
    )
    for row in rows:
        if row.prev_hash != prev:
            why = "a row before it was removed or changed" if count else "the first row"
            return Verdict(count, row.id, f"row {row.id} does not follow the row before it ({why})")
        expected = row_hash(
            row.id, row.at, row.actor, row.action, row.subject, row.detail, row.prev_hash
        )
        if row.hash != expected:
            return Verdict(count, row.id, f"row {row.id} was changed after it was written")
        prev, last_id = row.hash, row.id
        count += 1
    head = session.get(AuditHead, HEAD_ID)
    head_count, head_last, head_hash = (
        (head.count, head.last_id, head.last_hash) if head else (0, 0, GENESIS)
    )
    if (count, last_id, prev) != (head_count, head_last, head_hash or GENESIS):
        if count < head_count or last_id < head_last:
            return Verdict(
                count,
                last_id + 1,
                f"rows missing: the log ends at row {last_id} ({count} rows) but the chain "
                f"head says row {head_last} ({head_count} rows)",
            )
        return Verdict(
            count,
            last_id,
            f"row {last_id} is not the chain's recorded end (the head says row {head_last}, "
            f"{head_count} rows): rows were added outside the kiosk",
        )
    return Verdict(count, None, "intact", prev)
