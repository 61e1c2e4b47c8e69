"""audit: a hash chain over the audit log, its head, triggers that keep it append-only

Each row gets ``prev_hash`` and ``hash`` (SHA-256 over its canonical content and the previous
hash); the rows already there are chained in id order here, and each is copied to the outbox
(``audit.recorded``, when the outbox is there) so the centre holds them too. ``audit_head``
records the chain's end, so deleting the newest rows shows. Triggers refuse UPDATE and
DELETE on ``audit_log`` and DELETE on ``audit_head`` (and moving it backwards): SQLite's
``RAISE(ABORT)`` triggers, or on PostgreSQL (the fleet ledger) the same rules as PL/pgSQL
trigger functions that raise.

The hash is written out here (not imported from ``kiosk_app.store.audit``) so this revision
stays as it is; a unit test checks both give the same hash.

Revision ID: 0004_audit_chain
Revises: 0003_printing_digest
Create Date: 2026-12-03
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004_audit_chain"
down_revision = "0003_printing_digest"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

TRIGGERS = {
    "audit_log_no_update": (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    ),
    "audit_log_no_delete": (
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    ),
    "audit_head_no_delete": (
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END"
    ),
    "audit_head_forward_only": (
        "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
        "WHEN NEW.count < OLD.count OR NEW.last_id < OLD.last_id "
        "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END"
    ),
}

#: The same four rules on PostgreSQL: a trigger calls a function that raises.
PG_FUNCTIONS = {
    "audit_log_append_only": (
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    ),
    "audit_head_no_delete": (
        "CREATE OR REPLACE FUNCTION audit_head_no_delete() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_head cannot be deleted'; END $$"
    ),
    "audit_head_forward_only": (
        "CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.count < OLD.count OR NEW.last_id < OLD.last_id THEN "
        "RAISE EXCEPTION 'audit_head only moves forward'; END IF; RETURN NEW; END $$"
    ),
}
PG_TRIGGERS = {
    "audit_log_no_update": (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    ),
    "audit_log_no_delete": (
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    ),
    "audit_log_no_truncate": (
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    ),
    "audit_head_no_delete": (
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_no_delete()"
    ),
    "audit_head_forward_only": (
        "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()"
    ),
}
PG_TABLE_OF = {
    "audit_log_no_update": "audit_log",
    "audit_log_no_delete": "audit_log",
    "audit_log_no_truncate": "audit_log",
    "audit_head_no_delete": "audit_head",
    "audit_head_forward_only": "audit_head",
}


def _hash(row: sa.Row, prev: str) -> str:
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
    content = {
        "id": row.id,
        "at": at.isoformat(timespec="microseconds"),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject or "",
        "detail": row.detail or "",
        "prev": prev,
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), server_default="", nullable=False)
        )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    conn = op.get_bind()
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("subject", sa.String),
        sa.column("detail", sa.Text),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    outbox = sa.table(
        "outbox",
        sa.column("idempotency_key", sa.String),
        sa.column("kind", sa.String),
        sa.column("payload", sa.Text),
        sa.column("state", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("next_attempt_at", sa.DateTime),
        sa.column("last_error", sa.Text),
    )
    # The cloud branch (0002_cloud) makes the outbox; Alembic runs the branches in its own
    # order, and a dependency would leave 0002_cloud out of the recorded heads.
    copy_to_outbox = "outbox" in sa.inspect(conn).get_table_names()
    prev, count, last_id = GENESIS, 0, 0
    now = datetime.now(UTC).replace(tzinfo=None)
    for row in conn.execute(sa.select(audit).order_by(audit.c.id)).all():
        digest = _hash(row, prev)
        conn.execute(
            sa.update(audit).where(audit.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
        copy = {
            "id": row.id,
            "at": at.isoformat(timespec="microseconds"),
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject or "",
            "detail": row.detail or "",
            "prev_hash": prev,
            "hash": digest,
        }
        if not copy_to_outbox:
            prev, count, last_id = digest, count + 1, row.id
            continue
        conn.execute(
            sa.insert(outbox).values(
                idempotency_key=digest or uuid.uuid4().hex,
                kind="audit.recorded",
                payload=json.dumps(copy, ensure_ascii=False, sort_keys=True),
                state="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
                last_error="",
            )
        )
        prev, count, last_id = digest, count + 1, row.id
    conn.execute(
        sa.text(
            "INSERT INTO audit_head (id, count, last_id, last_hash) VALUES (1, :c, :i, :h)"
        ).bindparams(c=count, i=last_id, h=prev if count else "")
    )
    if conn.dialect.name == "postgresql":
        for sql in (*PG_FUNCTIONS.values(), *PG_TRIGGERS.values()):
            op.execute(sql)
    else:
        for sql in TRIGGERS.values():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in PG_TABLE_OF.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
