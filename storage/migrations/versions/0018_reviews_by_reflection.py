"""Index reviews by reflection (and version, and time): a reflection's first review.

The programme report measures how long each reflection waited for its first review. Without
this index every report, even a mentor's of three mentees, read every review in the
database (a province's year is millions); with it, only the reviews of the reflections
reported on. Reading one reflection's reviews (``storage.reflections.reviews_of``) gains too.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reviews_reflection", "reviews", ["reflection_id", "version", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reviews_reflection", table_name="reviews")
