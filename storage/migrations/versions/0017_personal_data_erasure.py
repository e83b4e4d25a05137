"""Erasure of personal data (UU 27/2022): who asked, who decided, and the erased mark.

``erasure_requests`` keeps an audit-friendly record of each request (the person's id, which
after erasure names nobody, the dates, the coordinator's decision) and never the erased
data. ``people.erased_at`` marks a person whose identifying data was erased: the row stays
so aggregate counts (reflections, sessions, JP) keep their owner, and the name is shown as
"deleted participant" when rendered.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("erased_at", UTCDateTime, nullable=True))
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("decided_by_telegram_id", sa.BigInteger),
        sa.CheckConstraint(
            "status IN ('pending', 'erased', 'refused')", name="ck_erasure_requests_status"
        ),
    )
    op.create_index("ix_erasure_requests_person", "erasure_requests", ["person_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_erasure_requests_person", table_name="erasure_requests")
    op.drop_table("erasure_requests")
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: batch mode would recreate
    # ``people``, and dropping the old table with foreign keys on cascades to every child.
    op.drop_column("people", "erased_at")
