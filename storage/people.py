"""Queries about people, their roles and their Telegram binding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Person
from storage.rows import Row, inserted_id, names_and_total
from storage.schema import people, person_roles


async def _roles_of(conn: AsyncConnection, *where: Any) -> dict[int, set[str]]:
    """Roles of the people ``where`` selects, in one query (no id list: a province of
    people would exceed the database's limit on bound parameters)."""
    chosen = select(people.c.id).where(*where).scalar_subquery()
    rows = await conn.execute(
        select(person_roles.c.person_id, person_roles.c.role).where(
            person_roles.c.person_id.in_(chosen)
        )
    )
    roles: dict[int, set[str]] = {}
    for person_id, role in rows:
        roles.setdefault(person_id, set()).add(role)
    return roles


def to_person(row: Row, roles: set[str]) -> Person:
    """A ``people`` row and its roles as a model (other modules' joins read full rows too)."""
    return Person(
        id=row["id"],
        nip=row["nip"],
        name=row["name"],
        unit=row["unit"],
        roles=frozenset(roles),
        timezone=row["timezone"],
        language=row["language"],
        status=row["status"],
        telegram_id=row["telegram_id"],
        supervisor_id=row["supervisor_id"],
        mentor_id=row["mentor_id"],
        mentor_capacity=row["mentor_capacity"],
        nudges_paused_until=row["nudges_paused_until"],
        erased_at=row["erased_at"],
    )


async def _fetch(conn: AsyncConnection, *where: Any) -> list[Person]:
    rows = (await conn.execute(select(people).where(*where).order_by(people.c.id))).mappings()
    found = list(rows)
    roles = await _roles_of(conn, *where) if found else {}
    return [to_person(r, roles.get(r["id"], set())) for r in found]


async def get_person(conn: AsyncConnection, person_id: int) -> Person | None:
    found = await _fetch(conn, people.c.id == person_id)
    return found[0] if found else None


async def get_people(conn: AsyncConnection, ids: Sequence[int]) -> list[Person]:
    """These people, in id order (500 bound ids a query, below every database's limit)."""
    unique = sorted(set(ids))
    found: list[Person] = []
    for start in range(0, len(unique), 500):
        found += await _fetch(conn, people.c.id.in_(unique[start : start + 500]))
    return found


async def get_person_by_nip(conn: AsyncConnection, nip: str) -> Person | None:
    found = await _fetch(conn, people.c.nip == nip)
    return found[0] if found else None


async def get_person_by_telegram(conn: AsyncConnection, telegram_id: int) -> Person | None:
    found = await _fetch(conn, people.c.telegram_id == telegram_id)
    return found[0] if found else None


async def people_by_nips(conn: AsyncConnection, nips: Iterable[str]) -> dict[str, Person]:
    """The people with these NIPs, keyed by NIP (unknown NIPs are simply absent)."""
    wanted = list(set(nips))
    if not wanted:
        return {}
    return {p.nip: p for p in await _fetch(conn, people.c.nip.in_(wanted)) if p.nip}


async def all_people(conn: AsyncConnection) -> list[Person]:
    return await _fetch(conn)


async def insert_person(
    conn: AsyncConnection,
    *,
    nip: str | None,
    name: str,
    unit: str | None,
    timezone: str,
    language: str,
    roles: Iterable[str],
    now: datetime,
    telegram_id: int | None = None,
) -> int:
    result = await conn.execute(
        insert(people).values(
            nip=nip,
            name=name,
            unit=unit,
            timezone=timezone,
            language=language,
            telegram_id=telegram_id,
            created_at=now,
            updated_at=now,
        )
    )
    person_id = inserted_id(result)
    await set_roles(conn, person_id, roles)
    return person_id


async def update_person(
    conn: AsyncConnection, person_id: int, now: datetime, **values: Any
) -> None:
    """Change the given columns; ``updated_at`` follows."""
    await conn.execute(
        update(people).where(people.c.id == person_id).values(**values, updated_at=now)
    )


async def set_roles(conn: AsyncConnection, person_id: int, roles: Iterable[str]) -> None:
    await conn.execute(delete(person_roles).where(person_roles.c.person_id == person_id))
    rows = [{"person_id": person_id, "role": r} for r in sorted(set(roles))]
    if rows:
        await conn.execute(insert(person_roles), rows)


async def coordinator_telegram_ids(conn: AsyncConnection) -> list[int]:
    """Telegram ids of bound people with the coordinator role."""
    rows = await conn.execute(
        select(people.c.telegram_id)
        .join(person_roles, person_roles.c.person_id == people.c.id)
        .where(person_roles.c.role == "coordinator", people.c.telegram_id.is_not(None))
        .order_by(people.c.telegram_id)
    )
    return [int(r[0]) for r in rows]


async def count_people(conn: AsyncConnection) -> dict[str, int]:
    """How many people per role, and how many have joined on Telegram."""
    counts: dict[str, int] = {}
    rows = await conn.execute(
        select(person_roles.c.role, people.c.telegram_id).join(
            people, people.c.id == person_roles.c.person_id
        )
    )
    for role, telegram_id in rows:
        counts[role] = counts.get(role, 0) + 1
        if telegram_id is not None:
            counts[f"{role}_joined"] = counts.get(f"{role}_joined", 0) + 1
    return counts


async def count_all(conn: AsyncConnection, status: str | None = None) -> int:
    """Everyone on the roster (with ``status``, if given), whatever their roles."""
    query = select(func.count()).select_from(people)
    if status is not None:
        query = query.where(people.c.status == status)
    return int((await conn.execute(query)).scalar_one())


async def supervised_by(conn: AsyncConnection, supervisor_id: int) -> list[Person]:
    """The people whose direct supervisor this is (one query, not a scan of everyone)."""
    return await _fetch(conn, people.c.supervisor_id == supervisor_id)


async def bound_with_roles(conn: AsyncConnection, roles: Iterable[str]) -> list[Person]:
    """People on Telegram holding any of these roles (digest recipients), without loading
    everyone else."""
    holders = select(person_roles.c.person_id).where(person_roles.c.role.in_(list(roles)))
    return await _fetch(conn, people.c.telegram_id.is_not(None), people.c.id.in_(holders))


async def unreachable_names(conn: AsyncConnection, limit: int) -> tuple[list[str], int]:
    """The first ``limit`` names (in id order) of the people Telegram refused to deliver
    to (blocked the bot, account gone), and how many there are."""
    rows = await conn.execute(
        select(people.c.name, func.count().over())
        .where(people.c.status == "unreachable")
        .order_by(people.c.id)
        .limit(limit)
    )
    return names_and_total(rows)


async def lock_mentors(conn: AsyncConnection, ids: Iterable[int]) -> None:
    """Lock these people's rows (``SELECT ... FOR UPDATE``, in id order) until the write
    transaction ends, before counting their mentees and offering them more.

    Two processes offering one mentor a mentee each would both count the load before
    the other's offer and both fit under the capacity; with the row locked the second
    waits, then counts the first's offer. SQLite ignores ``FOR UPDATE``: ``BEGIN
    IMMEDIATE`` already lets one writer in at a time.
    """
    wanted = sorted(set(ids))
    if wanted:
        await conn.execute(
            select(people.c.id)
            .where(people.c.id.in_(wanted))
            .order_by(people.c.id)
            .with_for_update()
        )
