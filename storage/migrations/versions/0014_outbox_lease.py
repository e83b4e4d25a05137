"""An outbox row's lease is its own column, in wall-clock time.

A claimed row used to be leased by moving ``not_before`` ahead on the sender's clock. That
clock can be simulated (``jobs tick --at``, the playground), so a lease could be expired
the moment it was taken, or last for days, and a second sender took the same rows.
``not_before`` now only says when a message is due; ``lease_until`` says until when a
sender holds it, always on the wall clock.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_until", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
