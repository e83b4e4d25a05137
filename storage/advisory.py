"""PostgreSQL advisory lock keys, in one place so no two uses collide.

Every Pembina lock uses the two-``int4`` form ``(class, object)`` (``objsubid = 2`` in
``pg_locks``), each family with a class of its own:

=============================  ========  =================================================
``(CLASS, LEADER)``            session   held by the one process that runs the scheduler
                                         and the outbox sender (``storage/leader.py``)
``(CLASS, MIGRATE)``           xact      taken at the start of the migration transaction
                                         (``storage/migrate.py``): one migrator at a time
``(PERSON, folded id)``        session   one person's update in hand (``Database.person_lock``)
``(LIVENESS, process key)``    session   a live bot process, whose leases others must not
                                         take (``storage/liveness.py``)
=============================  ========  =================================================

A new process-wide lock takes the next free object number of :data:`CLASS`; a new family
takes a class of its own.
"""

from __future__ import annotations

from sqlalchemy import text

CLASS = 0x50424E41  # "PBNA": Pembina's own class of two-int advisory keys (fits an int4)
LEADER = 1
MIGRATE = 2
PERSON = 0x50424E01  # "PBN" + 1: the class of per-person locks
LIVENESS = 0x504D  # "PM": the class of the locks that say a process is alive

TRY_SESSION_LOCK = text("SELECT pg_try_advisory_lock(:classid, :objid)")
XACT_LOCK = text("SELECT pg_advisory_xact_lock(:classid, :objid)")


def key(objid: int) -> dict[str, int]:
    """Bind parameters of one of Pembina's keys."""
    return {"classid": CLASS, "objid": objid}
