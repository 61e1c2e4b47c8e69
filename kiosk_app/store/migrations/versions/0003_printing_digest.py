"""printing: a digest of each unit's content, so a job can resume after a restart

A film sheet's pixels are kept in memory only; after a restart the kiosk recomposes the sheets
from the study and resumes only if every recomposed sheet matches the digest recorded here.

Revision ID: 0003_printing_digest
Revises: 0002_printing
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_printing_digest"
down_revision = "0002_printing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("print_units", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("print_units", schema=None) as batch_op:
        batch_op.drop_column("digest")
