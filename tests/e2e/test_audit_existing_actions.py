"""Coordinator actions that existed before the audit log are recorded too, with who did
them: a roster sent in chat (by an admin who is not on the roster), an invite link, an
unlinked account, and the proposed pairs sent from /match."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import audit
from storage.models import AuditEntry
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.test_coordinator_roster import ROWS, excel_csv, send_roster
from tests.e2e.world import PROGRAMME, paired

BUDI, DEWI = "199503172020121005", "199707082021022006"


async def _log(bot: BotUnderTest) -> list[AuditEntry]:
    async with bot.svc.db.read() as conn:
        return await audit.entries(conn, limit=100)


async def test_roster_upload_by_an_admin_is_audited_with_counts(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    admin = double.user(ADMIN_ID, first_name="Admin")
    await send_roster(admin, excel_csv(ROWS), "roster.csv")
    await double.settle()
    (entry,) = await _log(bot)
    assert entry.action == "roster.import"
    assert (entry.actor_label, entry.actor_person_id) == ("chat", None)
    assert entry.before == {"people": 0}
    assert entry.after == {"people": 4, "created": 4, "updated": 0}
    admin.unread()
    await admin.send_text("/audit")
    assert "koordinator (admin): mengimpor roster" in (await admin.next_message()).text


async def test_match_invite_and_unlink_in_chat_are_audited(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)  # Siti sent /match's proposal in chat
    siti = users["Siti Rahmawati"]
    plan = [e for e in await _log(bot) if e.action == "pairing.plan"]
    assert len(plan) == 1
    assert plan[0].actor_name == "Siti Rahmawati"
    assert plan[0].programme_name == PROGRAMME
    assert plan[0].after == {"offers": 4, "waiting": 0}

    await siti.send_text(f"/lepas {DEWI}")
    await siti.next_message()
    entry = (await _log(bot))[0]
    assert (entry.action, entry.subject_name) == ("person.unlink", "Dewi Lestari")
    assert (entry.before, entry.after) == ({"linked": True}, {"linked": False})
    await siti.send_text(f"/undang {DEWI}")
    await siti.next_message()
    entry = (await _log(bot))[0]
    assert (entry.action, entry.subject_name) == ("person.invite", "Dewi Lestari")
    assert entry.actor_name == "Siti Rahmawati"
