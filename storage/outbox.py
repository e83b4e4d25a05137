"""The outbox: every message the bot sends unprompted is a row before it is a request.

A row is written in the same transaction as the fact that caused it, under a unique key, so
enqueuing the same thing twice is a no-op. The sender *claims* a row before calling Telegram
(attempt counted, row leased); a crash mid-call leaves the lease to expire and the row is
sent again: at most one duplicate, never a loss. Each lease names the process that holds it,
so several bot processes can share the outbox (see :func:`claim_due`, :func:`release_leases`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NotRequired

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import exists as any_row
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator
from typing_extensions import TypedDict, Unpack

from storage.models import OutboxMessage
from storage.portable import insert_ignoring, insert_many_or_ignore, insert_or_ignore
from storage.rows import Row
from storage.schema import outbox, people

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
LEASE = timedelta(seconds=60)
RETENTION = timedelta(days=30)  # sent rows kept this long (a province sends ~1M a month)


def _to_message(row: Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        dedup_key=row["dedup_key"],
        chat_id=row["chat_id"],
        person_id=row["person_id"],
        text=row["text"],
        reply_markup=row["reply_markup"],
        media_kind=row["media_kind"],
        media_file_id=row["media_file_id"],
        media_data=row["media_data"],
        kind=row["kind"],
        params=row["params"],
        parts_sent=row["parts_sent"],
        status=row["status"],
        attempts=row["attempts"],
        not_before=row["not_before"],
        last_error=row["last_error"],
    )


class NewMessage(TypedDict):
    """What a caller says about a message to queue.

    Either finished ``text`` (with ``reply_markup``), or a *notice*: its ``kind`` and JSON
    ``params``, rendered by ``bot.presenter`` in the recipient's language when sent (the
    way flows queue messages to other people; they then need no catalogue).
    ``media`` is (``photo`` or ``document``, Telegram file id); ``chart`` is the figures of
    a chart the sender draws just before sending (see ``bot.chart``). Either way the text
    is then the caption.
    """

    dedup_key: str
    chat_id: int
    now: datetime
    text: NotRequired[str]
    kind: NotRequired[str | None]
    params: NotRequired[dict[str, Any] | None]
    reply_markup: NotRequired[dict[str, Any] | None]
    person_id: NotRequired[int | None]
    media: NotRequired[tuple[str, str] | None]
    chart: NotRequired[dict[str, Any] | None]


def row(**message: Unpack[NewMessage]) -> dict[str, Any]:
    """An outbox row, for :func:`enqueue` or :func:`enqueue_many`."""
    media, chart, now = message.get("media"), message.get("chart"), message["now"]
    return {
        "dedup_key": message["dedup_key"][:200],
        "chat_id": message["chat_id"],
        "person_id": message.get("person_id"),
        "text": message.get("text", ""),
        "kind": message.get("kind"),
        "params": message.get("params"),
        "parts_sent": 0,
        "reply_markup": message.get("reply_markup"),
        "media_kind": media[0] if media else ("chart" if chart else None),
        "media_file_id": media[1] if media else None,
        "media_data": chart,
        "status": PENDING,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


async def enqueue(conn: AsyncConnection, **message: Unpack[NewMessage]) -> bool:
    """Queue a message; False, and nothing changes, if that key was queued before."""
    return await insert_or_ignore(conn, outbox, row(**message), keys=["dedup_key"])


async def enqueue_many(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Queue many messages in one statement; keys queued before are skipped."""
    await insert_many_or_ignore(conn, outbox, rows, keys=["dedup_key"])


class _JSONText(TypeDecorator[str]):
    """A JSON column's value given as its JSON text, bound as it is (SQLite stores the
    text; asyncpg's ``json`` codec takes text too): never encoded a second time."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


async def enqueue_many_written(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """:func:`enqueue_many` for rows whose ``params`` are already JSON text (a province's
    Monday: 30 MB of digests written as text by ``bot.flows.digest_lines``, not dicts
    encoded here); keys queued before are skipped."""
    if rows:
        await conn.execute(_written_insert(conn.dialect.name), rows)


@functools.lru_cache(maxsize=4)
def _written_insert(dialect: str) -> Any:
    """The statement of :func:`enqueue_many_written`, built once (building it was a tenth
    of the queueing)."""
    params = bindparam("params", type_=_JSONText())
    return insert_ignoring(dialect, outbox, ("dedup_key",)).values(params=params)


async def exists(conn: AsyncConnection, dedup_key: str) -> bool:
    """Whether a message with this key was ever queued."""
    found = await conn.execute(select(outbox.c.id).where(outbox.c.dedup_key == dedup_key[:200]))
    return found.first() is not None


def _due(now: datetime, wall: datetime) -> ColumnElement[bool]:
    """Pending and due on the bot's clock, or claimed under a lease expired on the wall's."""
    return or_(
        (outbox.c.status == PENDING) & (outbox.c.not_before <= now),
        (outbox.c.status == SENDING) & (outbox.c.lease_until <= wall),
    )


def _first_of_its_chat() -> ColumnElement[bool]:
    """No unsent row of the same chat comes before this one (by ``not_before``, then id)."""
    earlier = outbox.alias("earlier")
    return ~any_row().where(
        earlier.c.chat_id == outbox.c.chat_id,
        earlier.c.status.in_([PENDING, SENDING]),
        or_(
            earlier.c.not_before < outbox.c.not_before,
            (earlier.c.not_before == outbox.c.not_before) & (earlier.c.id < outbox.c.id),
        ),
    )


def _claimable_look() -> Select[tuple[bool]]:
    """:func:`any_claimable`'s statement, built once (its subqueries took 0.7 ms to build
    at every look): each kind of due row looked up on its own, as ``claim_due`` does, so
    each walks its index and stops at the first."""
    skip: BindParameter[list[int]] = bindparam("skip", expanding=True)
    looks = [
        any_row().where(due, _first_of_its_chat(), outbox.c.chat_id.not_in(skip))
        for due in (
            (outbox.c.status == SENDING) & (outbox.c.lease_until <= bindparam("wall")),
            (outbox.c.status == PENDING) & (outbox.c.not_before <= bindparam("now")),
        )
    ]
    return select(or_(*looks))


_CLAIMABLE = _claimable_look()


async def any_claimable(
    conn: AsyncConnection, now: datetime, skip_chats: Collection[int] = (), *, wall: datetime
) -> bool:
    """Whether :func:`claim_due` would find a row now (outside ``skip_chats``): a read, so
    a sender that looks and finds nothing (woken after a flow's write that queued nothing,
    or looking again after a claim) takes no write lock."""
    found = await conn.scalar(_CLAIMABLE, {"now": now, "wall": wall, "skip": sorted(skip_chats)})
    return bool(found)


async def claim_due(
    conn: AsyncConnection,
    now: datetime,
    limit: int,
    skip_chats: Collection[int] = (),
    *,
    wall: datetime,
    owner: str | None = None,
) -> list[OutboxMessage]:
    """Lease, for ``owner``, the first due row of up to ``limit`` chats, and up to ``limit``
    more due rows of those chats; due at ``now`` means pending, or sending under a lease
    expired at ``wall``. ``skip_chats`` are left out (chats a sender is busy with or must not
    send to yet). ``now`` is the bot's clock, which may be simulated; a lease is always taken
    and judged on the wall clock.

    Several senders may claim at once (bot processes on one PostgreSQL database). Rows are
    picked and leased in one statement (for each of: expired, pending, following), and a
    row another sender is claiming that moment is skipped (``FOR UPDATE SKIP LOCKED``),
    never taken twice. Only a chat's first unsent row can be picked, and its next due rows
    are claimed with it, so one sender holds a chat at a time and its rows go out in order;
    the chat's later rows become claimable when those are sent (or failed, or put back).
    On SQLite the write transaction (``BEGIN IMMEDIATE``) admits one claimer at a time and
    the same statements run without the lock clause.
    """
    if limit <= 0:
        return []
    heads: list[OutboxMessage] = []
    # Leases expired first (few, and older), then pending rows oldest first: two statements
    # so each walks its index in order and stops at ``limit`` (one with an OR sorted a
    # national fan-out's whole queue on every claim).
    for due in (
        (outbox.c.status == SENDING) & (outbox.c.lease_until <= wall),
        (outbox.c.status == PENDING) & (outbox.c.not_before <= now),
    ):
        if len(heads) >= limit:
            break
        chosen = (
            select(outbox.c.id)
            .where(due, _first_of_its_chat())
            .order_by(outbox.c.status, outbox.c.not_before, outbox.c.id)
            .limit(limit - len(heads))
            .with_for_update(skip_locked=True)
        )
        if skip_chats:
            chosen = chosen.where(outbox.c.chat_id.not_in(list(skip_chats)))
        heads += await _lease(conn, chosen, wall, owner)
    if not heads:
        return []
    # The rest of those chats' due rows go with their first, in order (up to ``limit``):
    # nobody else can claim them while the first is unsent, so a plain lock is enough.
    following = (
        select(outbox.c.id)
        .where(
            outbox.c.chat_id.in_(sorted({m.chat_id for m in heads})),
            outbox.c.id.not_in([m.id for m in heads]),
            _due(now, wall),
        )
        .order_by(outbox.c.not_before, outbox.c.id)
        .limit(limit)
        .with_for_update()
    )
    messages = heads + await _lease(conn, following, wall, owner)
    return sorted(messages, key=lambda m: (m.not_before, m.id))


async def _lease(
    conn: AsyncConnection, chosen: Select[tuple[int]], wall: datetime, owner: str | None
) -> list[OutboxMessage]:
    """Lease the rows ``chosen`` picks, in one statement; as they were before (the sender
    counts this attempt itself)."""
    claimed = await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(chosen.scalar_subquery()))
        .values(
            status=SENDING,
            attempts=outbox.c.attempts + 1,
            lease_until=wall + LEASE,
            lease_owner=owner,
        )
        .returning(*outbox.c)
    )
    return [replace(_to_message(r), attempts=r["attempts"] - 1) for r in claimed.mappings()]


async def mark_sent(
    conn: AsyncConnection, message_id: int, telegram_message_id: int | None, now: datetime
) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(status=SENT, sent_at=now, telegram_message_id=telegram_message_id, last_error=None)
    )


async def mark_parts_sent(conn: AsyncConnection, message_id: int, parts_sent: int) -> None:
    """A notice's first ``parts_sent`` messages are with Telegram: after a crash or a retry
    only the rest are sent (at most the one in flight is repeated)."""
    await conn.execute(
        update(outbox).where(outbox.c.id == message_id).values(parts_sent=parts_sent)
    )


async def reschedule(
    conn: AsyncConnection,
    message_id: int,
    not_before: datetime,
    error: str,
    *,
    refund_attempt: bool = False,
) -> None:
    """Try again later; a rate-limit pause gives the attempt back."""
    values: dict[str, Any] = {
        "status": PENDING,
        "not_before": not_before,
        "lease_until": None,
        "last_error": error,
    }
    if refund_attempt:
        values["attempts"] = outbox.c.attempts - 1
    await conn.execute(update(outbox).where(outbox.c.id == message_id).values(**values))


async def mark_failed(conn: AsyncConnection, message_id: int, error: str) -> None:
    await conn.execute(
        update(outbox).where(outbox.c.id == message_id).values(status=FAILED, last_error=error)
    )


async def fail_pending_for_chat(conn: AsyncConnection, chat_id: int, error: str) -> int:
    """Stop everything still queued for a chat that can no longer be reached."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.chat_id == chat_id, outbox.c.status.in_([PENDING, SENDING]))
        .values(status=FAILED, last_error=error)
    )
    return result.rowcount


async def fail_unreachable(
    conn: AsyncConnection, claimed: list[OutboxMessage]
) -> list[OutboxMessage]:
    """Fail, without a call to Telegram, claimed rows whose recipient is marked unreachable;
    return the others. (They come back by writing to the bot; see ``reachability``.)"""
    chats = {m.chat_id for m in claimed}
    if not chats:
        return claimed
    gone = set(
        (
            await conn.execute(
                select(people.c.telegram_id).where(
                    people.c.telegram_id.in_(sorted(chats)), people.c.status == "unreachable"
                )
            )
        ).scalars()
    )
    if not gone:
        return claimed
    await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_([m.id for m in claimed if m.chat_id in gone]))
        .values(status=FAILED, last_error="unreachable: not sent")
    )
    return [m for m in claimed if m.chat_id not in gone]


async def lease_owners(conn: AsyncConnection) -> set[str | None]:
    """Who holds the rows being sent now (None: a lease taken before owners were recorded)."""
    rows = await conn.execute(
        select(outbox.c.lease_owner).where(outbox.c.status == SENDING).distinct()
    )
    return set(rows.scalars())


async def release_leases(
    conn: AsyncConnection, owners: Collection[str | None], now: datetime
) -> int:
    """Rows held by ``owners`` (processes that are gone) are due again at once.

    Only the row a sender had in flight can have reached Telegram (of a notice in several
    parts, only the part after ``parts_sent``), so this costs at most one duplicate message
    per dead sender, and saves waiting out the lease. A row keeps its place in its chat's
    order (``not_before`` is only brought back to ``now`` if it was later). Never called
    with a live process's id: its rows may be with Telegram right now.
    """
    named = [owner for owner in owners if owner is not None]
    whose: ColumnElement[bool] = outbox.c.lease_owner.in_(named)
    if None in owners:
        whose = or_(whose, outbox.c.lease_owner.is_(None))
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.status == SENDING, whose)
        .values(
            status=PENDING,
            not_before=case((outbox.c.not_before > now, now), else_=outbox.c.not_before),
            lease_until=None,
            lease_owner=None,
        )
    )
    return result.rowcount


async def forget_sent_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop delivered rows sent before ``cutoff`` (failed ones stay, for the operator)."""
    result = await conn.execute(
        delete(outbox).where(outbox.c.status == SENT, outbox.c.sent_at < cutoff)
    )
    return result.rowcount


async def chats_due(conn: AsyncConnection, now: datetime, wall_now: datetime) -> set[int]:
    """Chats with a row a sender can claim now: pending and due at ``now`` (the bot's
    clock), or claimed under a lease that ran out at ``wall_now`` (leases are wall-clock
    times). Rows planned for later are not counted, nor rows a live lease holds: those are
    in a sender's hands. Whoever waits for a bot to be done asks this
    (:func:`bot.app.has_work`)."""
    found = await conn.execute(
        select(outbox.c.chat_id)
        .where(
            ((outbox.c.status == PENDING) & (outbox.c.not_before <= now))
            | ((outbox.c.status == SENDING) & (outbox.c.lease_until <= wall_now))
        )
        .distinct()
    )
    return set(found.scalars())


async def counts(conn: AsyncConnection) -> dict[str, int]:
    rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
    return {status: int(n) for status, n in rows}
