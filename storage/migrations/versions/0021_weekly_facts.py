"""Progress facts kept as they are written: weekly_facts and yearly_facts.

The Monday digest read a year of reflections per mentee (5.2 million rows for a
province of 100 000). Now ``weekly_facts`` holds a bit per week reflected (and one per
week sent late) for each mentee, programme and block of 60 weeks, and ``yearly_facts``
the approved reflection minutes, confirmed session minutes and latest confirmed session
per person and year; ``storage/weekly_facts.py`` keeps them in each writer's
transaction. Both are filled here from history. ``ix_reflections_waiting`` finds the few
reflections waiting for review without reading the rest.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCK = 60


def _backfill(dialect: str) -> list[str]:
    """The facts from history (the same as ``storage.weekly_facts.rebuild_sql``, written
    out so this migration does not change when that module does)."""
    if dialect == "postgresql":
        index = "((r.week_start - DATE '1970-01-05') / 7)"
        year_of = "CAST(EXTRACT(YEAR FROM {}) AS INTEGER)"
        no_day = "CAST(NULL AS DATE)"
    else:
        index = "(CAST(julianday(r.week_start) - julianday('1970-01-05') AS INTEGER) / 7)"
        year_of = "CAST(strftime('%Y', {}) AS INTEGER)"
        no_day = "NULL"
    block, bit = f"({index} / {BLOCK})", f"(CAST(1 AS BIGINT) << ({index} % {BLOCK}))"
    reflected = "r.status IN ('submitted', 'revision', 'approved')"
    return [
        f"""INSERT INTO weekly_facts (person_id, programme_id, block, reflected, late)
            SELECT r.person_id, r.programme_id, {block},
                   SUM(CASE WHEN {reflected} THEN {bit} ELSE 0 END),
                   SUM(CASE WHEN {reflected} AND r.late THEN {bit} ELSE 0 END)
            FROM reflections r
            WHERE {reflected}
            GROUP BY r.person_id, r.programme_id, {block}""",  # noqa: S608 (constants only)
        f"""INSERT INTO yearly_facts
                (person_id, year, approved_minutes, session_minutes, last_session)
            SELECT person_id, year, SUM(approved), SUM(held), MAX(held_on) FROM (
                SELECT r.person_id AS person_id, {year_of.format("r.week_start")} AS year,
                       COALESCE(r.minutes, 0) AS approved, 0 AS held, {no_day} AS held_on
                FROM reflections r
                WHERE r.status = 'approved' AND COALESCE(r.minutes, 0) <> 0
                UNION ALL
                SELECT s.mentee_id, {year_of.format("s.held_on")}, 0, s.minutes, s.held_on
                FROM mentoring_sessions s WHERE s.confirmed_at IS NOT NULL
            ) AS counted
            GROUP BY person_id, year""",  # noqa: S608 (constants only)
    ]


def upgrade() -> None:
    op.create_table(
        "weekly_facts",
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "programme_id",
            sa.Integer,
            sa.ForeignKey("programmes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("block", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reflected", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("late", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "yearly_facts",
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("approved_minutes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("session_minutes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_session", sa.Date),
    )
    op.create_index("ix_reflections_waiting", "reflections", ["status", "person_id"])
    for statement in _backfill(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_reflections_waiting", table_name="reflections")
    op.drop_table("yearly_facts")
    op.drop_table("weekly_facts")
