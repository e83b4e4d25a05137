"""Which message answered which reflection question, so an edit updates its own answer.

Telegram sends an edit of an earlier message as an ``edited_message`` update. Without a
record of which message gave which answer, the edit could only be ignored or (as it was)
taken as the answer to whatever question is open now. Nullable: older rows have no record,
and their edits get a note instead.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.add_column(sa.Column("answer_messages", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.drop_column("answer_messages")
