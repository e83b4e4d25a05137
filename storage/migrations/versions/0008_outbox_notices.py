"""Outbox rows can be notices: a kind and its parameters, rendered when sent.

A message to someone else (a mentor's copy of a reflection, a review notice, an offer, a
digest) used to be stored as finished HTML in the sender's words of the day it was queued.
A notice row keeps ``kind`` and JSON ``params`` instead; ``bot.presenter`` renders it in the
recipient's language just before sending, possibly as several messages, and
``parts_sent`` records how many of them Telegram already has, so a crash repeats at most
one part. Rows queued before (``kind`` empty) are sent from their ``text`` as always.

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(40), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON, nullable=True))
        batch.add_column(sa.Column("parts_sent", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_sent")
        batch.drop_column("params")
        batch.drop_column("kind")
