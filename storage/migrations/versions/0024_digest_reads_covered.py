"""The Monday digest's joins read one B-tree each: facts tables without rowid, and the
membership index covering the programme.

The digest reads a row per mentee joined to ``yearly_facts`` (twice) and to
``weekly_facts`` (once per block of weeks shown). On SQLite each of those lookups went
through the primary key's own index and then the table by rowid: two searches for a
small row. Kept ``WITHOUT ROWID``, the table is its primary key, one search (PostgreSQL
has no such thing and is left as it is). ``ix_programme_members_person`` now carries the
programme, so finding a mentee's memberships never reads the table. Measured on the
100 000-mentee province (``bench/digest.py``'s database): the digest's statement ran in
0.34 s of SQLite instead of 0.44 s.

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS = ("weekly_facts", "yearly_facts")


def _rowid(with_rowid: bool) -> None:
    """SQLite only: copy each facts table into one made with or without a rowid."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in FACTS:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
        ):
            pass


def _membership_index(*columns: str) -> None:
    op.drop_index("ix_programme_members_person", table_name="programme_members")
    op.create_index("ix_programme_members_person", "programme_members", list(columns))


def upgrade() -> None:
    _rowid(False)
    _membership_index("person_id", "role", "programme_id")


def downgrade() -> None:
    _membership_index("person_id", "role")
    _rowid(True)
