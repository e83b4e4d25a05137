"""Digests for a province: indexes for the per-unit reads, and chart figures in the outbox.

A supervisor's digest reads their people (by ``supervisor_id``), those people's programmes
(by ``person_id``) and sessions (by ``mentee_id``); without these indexes each read scanned
the whole table, once per supervisor. The minute tick asks which digests were already
sent this week (by kind and period). A digest's chart travels in the outbox as its figures
(``media_data``) and is drawn when sent, so no PNG is stored per supervisor.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_people_supervisor", "people", ["supervisor_id"])
    op.create_index("ix_programme_members_person", "programme_members", ["person_id", "role"])
    op.create_index("ix_sessions_mentee", "mentoring_sessions", ["mentee_id", "held_on"])
    op.create_index("ix_nudges_kind_period", "nudges", ["kind", "period"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("media_data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("media_data")
    op.drop_index("ix_nudges_kind_period", table_name="nudges")
    op.drop_index("ix_sessions_mentee", table_name="mentoring_sessions")
    op.drop_index("ix_programme_members_person", table_name="programme_members")
    op.drop_index("ix_people_supervisor", table_name="people")
