"""/match explains a pair made against the unit rule: a full mentor is not a missing one."""

from __future__ import annotations

from datetime import date

from bot.flows import programmes
from bot.flows.matching import UnitRule
from bot.flows.programmes import NewProgramme
from bot.telegram_double import TelegramDouble
from storage import people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import NIPS, PROGRAMME, everyone_joins


async def test_a_full_mentor_in_the_same_unit_is_reported_as_full(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    async with bot.svc.db.write() as conn:
        rina = await people.get_person_by_nip(conn, NIPS[2])
        assert rina is not None
        assert rina.name == "Rina Kartika"
        await people.update_person(conn, rina.id, bot.clock.now(), mentor_capacity=1)
    created = await programmes.create(
        bot.svc,
        NewProgramme(
            name=PROGRAMME,
            kind="perubahan",
            starts_on=date(2026, 12, 7),
            ends_on=date(2027, 3, 26),
            reflection_weekday=4,
            member_nips=NIPS,
            unit_rule=UnitRule.SAME,
        ),
    )
    assert created.problems == []
    siti = users["Siti Rahmawati"]

    await siti.send_text(f"/match {PROGRAMME}")
    preview = (await siti.next_message()).text

    lines = {line.split(" → ")[0]: line for line in preview.splitlines() if " → " in line}
    # Budi takes Rina's only place; Dewi, of the same unit, goes to Yohanes because Rina is full.
    assert "Rina Kartika" in lines["• Budi Santoso"]
    assert "mentor di unit yang sama sudah penuh" in lines["• Dewi Lestari"]
    assert "tak ada mentor di unit yang sama" not in lines["• Dewi Lestari"]
    # Nobody mentors in Made's unit at all: that is still said as before.
    assert "tak ada mentor di unit yang sama" in lines["• Made Wirawan"]
