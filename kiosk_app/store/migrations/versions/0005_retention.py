"""retention: when a finished job's and a delivery's patient identifiers were replaced by refs

After ``[policy] retention_days`` the PatientID and accession number of an item that can no
longer print are replaced by keyed hashes (``kiosk_app.store.retention``); ``redacted_at`` says
when, so the pass never hashes a hash and a reader knows which values are refs.

Revision ID: 0005_retention
Revises: 0004_audit_chain
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_retention"
down_revision = "0004_audit_chain"
branch_labels = None
depends_on = None

TABLES = ("print_jobs", "ledger")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("redacted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("redacted_at")
