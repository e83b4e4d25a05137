"""Several processes share one outbox, one send budget, and keys that last.

- ``outbox.lease_owner``: which process holds a claimed row, so a process starting releases
  only the rows of processes that are gone (not, as before, every row in flight), and an
  index of each chat's unsent rows in order, so a row is claimed only when none comes first;
  the due-rows index gains ``id``, the claim's tie-break, so a claim reads only what it takes.
- ``send_clock``: one row, the next moment the bot as a whole may send and until when
  Telegram said to wait, shared by every process on PostgreSQL (``bot/send_limits.py``).
- 64-bit keys on PostgreSQL for the tables that grow with use (outbox, nudges, audit log,
  reflections and their evidence and reviews, sessions) and the keys pointing at them, and
  their sequences. SQLite's INTEGER PRIMARY KEY is 64-bit already and stays as it is.

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_KEYS = (
    "outbox",
    "nudges",
    "audit_log",
    "reflections",
    "reflection_evidence",
    "reviews",
    "mentoring_sessions",
)
BIG_REFERENCES = (("reflection_evidence", "reflection_id"), ("reviews", "reflection_id"))
UNSENT = "status IN ('pending', 'sending')"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _key_types(kind: str) -> None:
    """On PostgreSQL: the keys (and sequences) become ``kind``; nothing on SQLite."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in BIG_KEYS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE {kind}")
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS {kind}")
    for table, column in BIG_REFERENCES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind}")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(36), nullable=True))
    # Due rows are claimed oldest first, ties by id: the index gives that order outright.
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "not_before", "id"])
    op.create_index(
        "ix_outbox_chat_unsent",
        "outbox",
        ["chat_id", "not_before", "id"],
        sqlite_where=sa.text(UNSENT),
        postgresql_where=sa.text(UNSENT),
    )
    clock = op.create_table(
        "send_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=False),
        sa.Column("paused_until", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_clock")),
    )
    op.bulk_insert(clock, [{"id": 1, "next_at": EPOCH, "paused_until": EPOCH}])
    _key_types("BIGINT")


def downgrade() -> None:
    _key_types("INTEGER")
    op.drop_table("send_clock")
    op.drop_index("ix_outbox_chat_unsent", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "not_before"])
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_owner")
