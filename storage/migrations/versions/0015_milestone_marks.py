"""Each mentee's state of each milestone: marked done by them, confirmed by their mentor.

A milestone belongs to a programme; whether one mentee has reached it is a row of its own
(``done_at`` by the mentee, ``confirmed_at`` / ``confirmed_by_id`` by the mentor). A mentor's
"not yet" clears ``done_at`` again, so the row always says where things stand; ``round``
counts the times it was marked done, so a mentor's button from an earlier round is stale.

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "milestone_marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "milestone_id",
            sa.Integer,
            sa.ForeignKey("milestones.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("done_at", UTCDateTime),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("confirmed_by_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL")),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("milestone_id", "person_id", name="uq_milestone_marks_once"),
    )
    op.create_index("ix_milestone_marks_person", "milestone_marks", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_milestone_marks_person", table_name="milestone_marks")
    op.drop_table("milestone_marks")
