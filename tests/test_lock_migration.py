"""Migration 0020 settles rows a race left behind before it makes the rules constraints."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import Connection, select

from bot.clock import FixedClock
from bot.flows import programmes
from bot.flows.programmes import NewProgramme
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import nudges, pairings, people
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.schema import nudges as nudges_table
from tests.conftest import DEMO_ROSTER, START

BUDI, RINA, YOHANES = "199503172020121005", "198209142008012003", "198011202005011004"


async def _downgrade(database: Database, revision: str) -> None:
    cfg = alembic_config(database.url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with database.write() as conn:
        await conn.run_sync(run)


async def test_0020_keeps_the_first_of_twin_pairings_and_nudges(db_url: str) -> None:
    database = Database(db_url)
    try:
        await upgrade(database)
        await _downgrade(database, "0015")
        svc = Services(db=database, clock=FixedClock(START), admin_ids=frozenset({900}))
        await import_roster(svc, await validate_roster(svc, DEMO_ROSTER.read_text()))
        created = await programmes.create(
            svc,
            NewProgramme(
                "Perubahan 2027",
                "perubahan",
                date(2026, 12, 7),
                date(2027, 3, 26),
                0,
                (BUDI, RINA, YOHANES),
            ),
        )
        assert created.programme is not None
        pid, now, today = created.programme.id, START, date(2026, 12, 7)
        async with database.write() as conn:
            budi, rina, yohanes = (
                await people.people_by_nips(conn, [BUDI, RINA, YOHANES])
            ).values()
            ids = {p.nip: p.id for p in (budi, rina, yohanes)}
            for mentor in (RINA, YOHANES):  # two offers for one mentee: a race's leftovers
                await pairings.create_pairing(
                    conn, programme_id=pid, mentor_id=ids[mentor], mentee_id=ids[BUDI],
                    status=pairings.OFFERED, reason="test", now=now,
                )  # fmt: skip
            for kind in ("reflection_due", "milestone", "digest"):
                await nudges.record(
                    conn, person_id=ids[BUDI], kind=kind, period="x", local_date=today, now=now
                )
        await upgrade(database)
        async with database.read() as conn:
            twins = await pairings.of_mentee(conn, ids[BUDI], (pairings.OFFERED, pairings.EXPIRED))
            kinds = [k for (k,) in await conn.execute(select(nudges_table.c.kind).order_by("id"))]
        assert [(p.mentor_id, p.status) for p in twins] == [
            (ids[RINA], pairings.OFFERED),
            (ids[YOHANES], pairings.EXPIRED),
        ]
        assert kinds == ["reflection_due", "digest"]
    finally:
        await database.dispose()
