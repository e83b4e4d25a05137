"""What a reflection step reads, in one statement instead of two or three.

Every answer, button and photo of a reflection being written starts the same way: the open
dialogue (which reflection, which question), that reflection, and its programme (the
questions). Those were three ``SELECT``\\ s by primary key, one after another in the write
transaction; here they are one, joined on the reflection id the dialogue stores. A button
naming a reflection (edit, submit, "fix now") reads it with its programme, one statement
instead of two. Both still run inside the caller's transaction, so they are as fresh as the
three reads were: nothing is kept between updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, and_, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.conversations import to_conversation
from storage.models import Conversation, Programme, Reflection
from storage.programmes import to_programme
from storage.reflections import to_reflection
from storage.rows import labelled, picked
from storage.schema import conversations, programmes, reflections


@dataclass(frozen=True, slots=True)
class Step:
    """The open dialogue and, when it is a reflection's, that reflection and programme."""

    conversation: Conversation
    reflection: Reflection | None
    programme: Programme | None


# The stored reflection id, as the key it is (only a ``flow`` dialogue's is joined).
_STORED_ID = cast(conversations.c.data["reflection_id"].as_string(), BigInteger)

# Built once, bound by value at each call (no literal re-extracted per statement).
_STEP: Select[Any] = (
    select(
        *labelled(conversations, "c_"),
        *labelled(reflections, "r_"),
        *labelled(programmes, "g_"),
    )
    .select_from(conversations)
    .outerjoin(
        reflections,
        and_(conversations.c.flow == bindparam("flow"), reflections.c.id == _STORED_ID),
    )
    .outerjoin(programmes, programmes.c.id == reflections.c.programme_id)
    .where(conversations.c.telegram_id == bindparam("tid"))
)

_WITH_PROGRAMME: Select[Any] = (
    select(*labelled(reflections, "r_"), *labelled(programmes, "g_"))
    .select_from(reflections)
    .join(programmes, programmes.c.id == reflections.c.programme_id)
    .where(reflections.c.id == bindparam("id"))
)


async def step_of(conn: AsyncConnection, telegram_id: int, flow: str) -> Step | None:
    """The account's open dialogue (None if none); its reflection and programme when the
    dialogue is ``flow`` and its reflection still exists."""
    row = (await conn.execute(_STEP, {"tid": telegram_id, "flow": flow})).mappings().first()
    if row is None:
        return None
    conv = to_conversation(picked(row, conversations, "c_"))
    if row["r_id"] is None:
        return Step(conv, None, None)
    reflection = to_reflection(picked(row, reflections, "r_"))
    return Step(conv, reflection, to_programme(picked(row, programmes, "g_")))


async def with_programme(
    conn: AsyncConnection, reflection_id: int
) -> tuple[Reflection, Programme] | None:
    """A reflection and its programme (None if there is no such reflection)."""
    row = (await conn.execute(_WITH_PROGRAMME, {"id": reflection_id})).mappings().first()
    if row is None:
        return None
    reflection = to_reflection(picked(row, reflections, "r_"))
    return reflection, to_programme(picked(row, programmes, "g_"))
