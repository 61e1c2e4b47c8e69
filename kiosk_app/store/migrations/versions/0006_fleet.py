"""fleet: claims on items before their first byte, which kiosk delivered, a local journal

``fleet_claims``: one row per item (a unique constraint on ``item_key``), the kiosk printing it
and its lease; on the fleet's PostgreSQL every kiosk's claims meet there. ``ledger`` and
``reprint_authorisations`` say which kiosk (``kiosk_id``). ``fleet_journal``: what this kiosk
did in the fleet while the shared ledger could not be reached (and each write not yet made
there), replayed on reconnect (``kiosk_app.services.fleet``); unused on the shared ledger.

On PostgreSQL ``ledger.job_id`` and ``reprint_authorisations.job_id`` name a job in the kiosk's
own database, not a row of the shared one, so their foreign keys are dropped there.

Revision ID: 0006_fleet
Revises: 0005_retention
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_fleet"
down_revision = "0005_retention"
branch_labels = None
depends_on = None

LOCAL_JOB_KEYS = {
    "ledger": "fk_ledger_job_id_print_jobs",
    "reprint_authorisations": "fk_reprint_authorisations_job_id_print_jobs",
}


def upgrade() -> None:
    op.create_table(
        "fleet_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("kiosk_id", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("settled_by", sa.String(length=100), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_claims")),
        sa.UniqueConstraint("item_key", name=op.f("uq_fleet_claims_item_key")),
    )
    with op.batch_alter_table("fleet_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fleet_claims_state"), ["state"], unique=False)
    op.create_table(
        "fleet_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("study_uid", sa.String(length=64), nullable=False),
        sa.Column("printer", sa.String(length=200), server_default="", nullable=False),
        sa.Column("units", sa.Integer(), server_default="0", nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("offline", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("conflict", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_journal")),
    )
    with op.batch_alter_table("fleet_journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fleet_journal_synced_at"), ["synced_at"])
    for table in ("ledger", "reprint_authorisations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("kiosk_id", sa.String(length=100), server_default="", nullable=False)
            )
    if op.get_bind().dialect.name == "postgresql":
        for table, name in LOCAL_JOB_KEYS.items():
            op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in LOCAL_JOB_KEYS.items():
            op.create_foreign_key(name, table, "print_jobs", ["job_id"], ["id"])
    for table in ("reprint_authorisations", "ledger"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("kiosk_id")
    with op.batch_alter_table("fleet_journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_journal_synced_at"))
    op.drop_table("fleet_journal")
    with op.batch_alter_table("fleet_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_claims_state"))
    op.drop_table("fleet_claims")
