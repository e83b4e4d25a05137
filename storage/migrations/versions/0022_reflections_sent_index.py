"""Who sent a week's reflection, found from an index instead of 5 million table rows.

The minute tick asks, per programme and window, which mentees have *not* sent a week's
reflection (``storage.nudges.due_chats``). Through the unique (programme, person, week)
index every mentee cost a probe and then a read of the reflection's wide row (its answers)
to see its status: 0.1 s a zone for 100 000 mentees, every minute of a Friday. A partial
index of the sent reflections by (programme, week, person) hands the query one week's
senders in a single range scan.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT = "status <> 'draft'"


def upgrade() -> None:
    op.create_index(
        "ix_reflections_sent",
        "reflections",
        ["programme_id", "week_start", "person_id"],
        sqlite_where=sa.text(SENT),
        postgresql_where=sa.text(SENT),
    )


def downgrade() -> None:
    op.drop_index("ix_reflections_sent", table_name="reflections")
