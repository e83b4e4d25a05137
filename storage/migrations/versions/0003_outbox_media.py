"""Outbox rows can carry a photo or document (reflection evidence sent to the mentor).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("media_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("media_file_id", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("media_file_id")
        batch.drop_column("media_kind")
