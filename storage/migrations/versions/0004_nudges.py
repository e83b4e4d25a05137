"""Nudges sent (once per kind and period, at most one a day) and pausing them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("nudges_paused_until", storage.types.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_nudges_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint("person_id", "kind", "period", name="uq_nudges_once"),
    )
    op.create_index("ix_nudges_person_day", "nudges", ["person_id", "local_date"])


def downgrade() -> None:
    op.drop_index("ix_nudges_person_day", table_name="nudges")
    op.drop_table("nudges")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("nudges_paused_until")
