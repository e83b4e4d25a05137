"""Invariants two processes can race on become constraints the database enforces.

Several bot processes on one PostgreSQL database each checked "is this mentee paired
already?" and "was this person nudged today?" in their own transaction, saw nothing, and
both wrote. Now the database refuses the second:

- ``uq_pairings_current``: at most one offered or active pairing per programme and mentee
  (a partial unique index; SQLite and PostgreSQL both have them).
- ``uq_nudges_daily``: at most one nudge (a digest is not one) per person per local day.

Rows that already break a rule (only a race could have made them) are settled first: a
second current pairing of a mentee ends (an offer expires), and a second nudge record of
a day is dropped (the message itself was queued long ago; the record only guards).

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT = "status IN ('offered', 'active')"
A_NUDGE = "kind <> 'digest'"


def upgrade() -> None:
    op.execute(
        """
        UPDATE pairings SET status = CASE status WHEN 'offered' THEN 'expired' ELSE 'ended' END
        WHERE status IN ('offered', 'active') AND id <> (
            SELECT MIN(p.id) FROM pairings AS p
            WHERE p.programme_id = pairings.programme_id AND p.mentee_id = pairings.mentee_id
              AND p.status IN ('offered', 'active')
        )
        """
    )
    op.execute(
        """
        DELETE FROM nudges
        WHERE kind <> 'digest' AND id <> (
            SELECT MIN(n.id) FROM nudges AS n
            WHERE n.person_id = nudges.person_id AND n.local_date = nudges.local_date
              AND n.kind <> 'digest'
        )
        """
    )
    op.create_index(
        "uq_pairings_current",
        "pairings",
        ["programme_id", "mentee_id"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )
    op.create_index(
        "uq_nudges_daily",
        "nudges",
        ["person_id", "local_date"],
        unique=True,
        sqlite_where=sa.text(A_NUDGE),
        postgresql_where=sa.text(A_NUDGE),
    )


def downgrade() -> None:
    op.drop_index("uq_nudges_daily", table_name="nudges")
    op.drop_index("uq_pairings_current", table_name="pairings")
