"""Index reflections by person and week: progress and digests read them per person.

Without it the JP sum scanned every reflection for every person (quadratic in a province).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reflections_person_week", "reflections", ["person_id", "week_start"])


def downgrade() -> None:
    op.drop_index("ix_reflections_person_week", table_name="reflections")
