"""Everything an update needs to know about the account that sent it, in one statement.

Every update starts by asking who sent it (roster entry, roles, language and zone of a
stranger) and most ask which dialogue is open (the registration guard, the text router).
Those were four queries in three transactions; here they are one ``SELECT`` of the
account joined to its person, roles, settings and conversation (one row per role).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.conversations import to_conversation
from storage.models import Conversation, Person, UserPrefs
from storage.people import to_person
from storage.rows import labelled, picked
from storage.schema import conversations, inbox, people, person_roles, telegram_users


@dataclass(frozen=True, slots=True)
class Account:
    """One Telegram account as stored: its person (if bound), settings and open dialogue."""

    telegram_id: int
    person: Person | None
    prefs: UserPrefs | None
    conversation: Conversation | None


def _labelled() -> list[object]:
    person = labelled(people, "p_")
    prefs = [
        telegram_users.c[name].label(f"u_{name}")
        for name in ("telegram_id", "language", "timezone", "menu")
    ]
    conv = labelled(conversations, "c_")
    return [*person, person_roles.c.role.label("r_role"), *prefs, *conv]


def _query() -> Select[tuple[object, ...]]:
    me = select(bindparam("tid", type_=BigInteger).label("tid")).subquery("me")
    return (
        select(*_labelled())  # type: ignore[call-overload,no-any-return]
        .select_from(me)
        .outerjoin(people, people.c.telegram_id == me.c.tid)
        .outerjoin(person_roles, person_roles.c.person_id == people.c.id)
        .outerjoin(telegram_users, telegram_users.c.telegram_id == me.c.tid)
        .outerjoin(conversations, conversations.c.telegram_id == me.c.tid)
    )


# Built once: every update runs it, and building it (forty labelled columns, a subquery,
# four joins) and its cache key cost more CPU than SQLite spent running it.
_ACCOUNT = _query()
# The same, with whether an update is done (its inbox row's done_at): the PostgreSQL inbox
# asks both before handling an update, and one statement is one round trip.
_ACCOUNT_UNLESS_DONE = _query().add_columns(
    select(inbox.c.done_at)
    .where(inbox.c.update_id == bindparam("uid"))
    .scalar_subquery()
    .label("x_done_at")
)


async def account(conn: AsyncConnection, telegram_id: int) -> Account:
    """The account's person with roles, its settings and conversation, in one statement."""
    rows = list((await conn.execute(_ACCOUNT, {"tid": telegram_id})).mappings())
    return _account(telegram_id, rows)


async def account_unless_done(
    conn: AsyncConnection, telegram_id: int, update_id: int
) -> Account | None:
    """:func:`account`, read in the same statement as whether update ``update_id`` is done
    (its inbox row marked): None if it is."""
    params = {"tid": telegram_id, "uid": update_id}
    rows = list((await conn.execute(_ACCOUNT_UNLESS_DONE, params)).mappings())
    if rows[0]["x_done_at"] is not None:
        return None
    return _account(telegram_id, rows)


def _account(telegram_id: int, rows: list[Any]) -> Account:
    first = rows[0]
    person = None
    if first["p_id"] is not None:
        fields = picked(first, people, "p_")
        roles = {r["r_role"] for r in rows if r["r_role"] is not None}
        person = to_person(fields, roles)
    prefs = None
    if first["u_telegram_id"] is not None:
        prefs = UserPrefs(telegram_id, first["u_language"], first["u_timezone"], first["u_menu"])
    conv = None
    if first["c_telegram_id"] is not None:
        conv = to_conversation(picked(first, conversations, "c_"))
    return Account(telegram_id, person, prefs, conv)
