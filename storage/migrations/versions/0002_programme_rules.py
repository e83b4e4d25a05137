"""Programme matching rules and pairing end requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(
            sa.Column("unit_rule", sa.String(16), nullable=False, server_default="any")
        )
        batch.add_column(
            sa.Column("offer_hours", sa.Integer(), nullable=False, server_default="72")
        )
    with op.batch_alter_table("pairings") as batch:
        batch.add_column(sa.Column("end_requested_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_pairings_end_requested_by_id_people"),
            "people",
            ["end_requested_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("pairings") as batch:
        batch.drop_constraint(op.f("fk_pairings_end_requested_by_id_people"), type_="foreignkey")
        batch.drop_column("end_requested_by_id")
    with op.batch_alter_table("programmes") as batch:
        batch.drop_column("offer_hours")
        batch.drop_column("unit_rule")
