"""PostgreSQL advisory lock keys, in one place so no two uses collide.

PostgreSQL has two advisory key spaces that never meet: one ``bigint`` key (shown in
``pg_locks`` with ``objsubid = 1``) and two ``int4`` keys (``objsubid = 2``). Per-person
locks may use the bigint form with a Telegram id; Pembina's process-wide locks use the
two-int form with :data:`CLASS` as the first key and one of the objects below as the second:

=====================  ======  ===================================================
``(CLASS, LEADER)``    session  held by the one process that runs the scheduler and
                                the outbox sender (``storage/leader.py``)
``(CLASS, MIGRATE)``   xact     taken at the start of the migration transaction
                                (``storage/migrate.py``): migrators run one at a time
=====================  ======  ===================================================

A new process-wide lock takes the next free object number here.
"""

from __future__ import annotations

from sqlalchemy import text

CLASS = 0x50424E41  # "PBNA": Pembina's own class of two-int advisory keys (fits an int4)
LEADER = 1
MIGRATE = 2

TRY_SESSION_LOCK = text("SELECT pg_try_advisory_lock(:classid, :objid)")
XACT_LOCK = text("SELECT pg_advisory_xact_lock(:classid, :objid)")


def key(objid: int) -> dict[str, int]:
    """Bind parameters of one of Pembina's keys."""
    return {"classid": CLASS, "objid": objid}
