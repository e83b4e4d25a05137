"""The durable inbox: updates are stored before Telegram is told they arrived.

``processed_updates`` (ids of handled updates) becomes ``inbox``: a row per update with its
JSON and chat, stored before the next ``getUpdates`` offset confirms it, and marked done in
the same transaction as the update's own writes. Handled ids carry over as done rows, so an
update Telegram redelivers across the upgrade is still not applied twice.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_done", "inbox", ["done_at"])
    op.execute(
        "INSERT INTO inbox (update_id, received_at, done_at) "
        "SELECT update_id, processed_at, processed_at FROM processed_updates"
    )
    op.drop_table("processed_updates")


def downgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.execute(
        "INSERT INTO processed_updates (update_id, processed_at) "
        "SELECT update_id, done_at FROM inbox WHERE done_at IS NOT NULL"
    )
    op.drop_index("ix_inbox_done", table_name="inbox")
    op.drop_table("inbox")
