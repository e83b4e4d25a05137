"""Why a pairing ended, and sessions the other side disputed.

A pairing's end (asked for by a party, decided by a coordinator) keeps its reason, so a
programme can see why pairs fall apart. A logged session the other side says did not
happen as logged is marked disputed: it never counts toward JP and cannot be confirmed
afterwards by a stale button.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pairings") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(32), nullable=True))
    with op.batch_alter_table("mentoring_sessions") as batch:
        batch.add_column(sa.Column("disputed_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentoring_sessions") as batch:
        batch.drop_column("disputed_at")
    with op.batch_alter_table("pairings") as batch:
        batch.drop_column("end_reason")
