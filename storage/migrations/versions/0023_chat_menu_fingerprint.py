"""The menu last set in a chat, as a fingerprint: ``/help`` sets it again only if it changed.

``/help`` used to call ``setMyCommands`` for the person's chat on every use (so a menu set
before a role or language change catches up): a second request to Telegram for every
``/help``, the most expensive part of answering one. The fingerprint of the menu last set
(``telegram_users.menu``) lets it skip the call when the menu it would set is the one set.

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_users") as batch:
        batch.add_column(sa.Column("menu", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("telegram_users") as batch:
        batch.drop_column("menu")
