"""printing: per-unit printer jobs, jobs waiting for a nurse, consumables, reprint authorisations

Written by hand (autogenerate against a database at every head would also offer to drop the
cloud branch's tables, which this metadata does not describe).

Revision ID: 0002_printing
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_printing"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("attention", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("reprint", sa.Boolean(), server_default="0", nullable=False))

    with op.batch_alter_table("print_units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("printer_job_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "consumables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer", sa.String(length=200), nullable=False),
        sa.Column("media", sa.String(length=32), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumables")),
        sa.UniqueConstraint("printer", "media", name=op.f("uq_consumables_printer")),
    )
    op.create_table(
        "reprint_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("staff_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("authorised_at", sa.DateTime(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["print_jobs.id"],
            name=op.f("fk_reprint_authorisations_job_id_print_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprint_authorisations")),
    )
    with op.batch_alter_table("reprint_authorisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reprint_authorisations_item_key"), ["item_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reprint_authorisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reprint_authorisations_item_key"))
    op.drop_table("reprint_authorisations")
    op.drop_table("consumables")
    with op.batch_alter_table("print_units", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("printer_job_id")
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_column("reprint")
        batch_op.drop_column("attention")
        batch_op.drop_column("media")
