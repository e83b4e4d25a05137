"""Telegram errors on the way out: 429 on a reply, 502 and 403 on outbox notifications,
and an update redelivered after a crash."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import DoubleUser, TelegramDouble
from storage import outbox, people
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.world import paired

NIP = "199001012015031002"


async def _file_request(user: DoubleUser) -> None:
    await user.send_text("/start")
    await user.next_messages(2)
    for answer in (NIP, "Eko Prasetyo", "Bidang Mutasi"):
        await user.send_text(answer)
        await user.next_message()
    await user.press(user.messages[-1], 0)
    await user.next_message()


async def test_reply_is_delivered_after_a_429(bot: BotUnderTest, double: TelegramDouble) -> None:
    guest = double.user(820)
    await guest.send_text("/help")
    await guest.next_message()
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await guest.send_text("/help")
    assert "belum terdaftar" in (await guest.next_message(timeout=10)).text
    assert double.stats["429"] >= 1


async def test_outbox_retries_a_502_and_gives_up_on_nobody(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    admin = double.user(ADMIN_ID)
    await admin.send_text("/start")
    await admin.next_message()
    double.fail_next("sendMessage", 502, "Bad Gateway", chat_id=ADMIN_ID)
    await _file_request(double.user(821))
    await double.settle()
    assert admin.unread() == []
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)) == {"pending": 1}

    bot.clock.advance(timedelta(seconds=6))  # past the first backoff
    bot.svc.outbox_wake()
    note = await admin.next_message(timeout=10)
    assert "Permintaan bergabung" in note.text
    await double.settle()
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)) == {"sent": 1}


async def test_blocked_coordinator_is_marked_unreachable(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    siti = double.user(503)
    await siti.send_text(f"/start {codes['Siti Rahmawati']}")
    await siti.next_message()
    double.block(503)
    # ADMIN_ID never wrote to the bot: Telegram refuses to start that conversation (403).
    await _file_request(double.user(822))
    await double.settle()
    async with bot.svc.db.read() as conn:
        counts = await outbox.counts(conn)
        person = await people.get_person_by_telegram(conn, 503)
    # Siti's join-request notice, the admin's, and the admin's notice that Siti is gone.
    assert counts == {"failed": 3}
    assert person is not None
    assert person.status == "unreachable"


async def _queue_for(bot: BotUnderTest, user: DoubleUser, key: str) -> None:
    async with bot.svc.db.write() as conn:
        await outbox.enqueue(
            conn, dedup_key=key, chat_id=user.user_id, text=f"pesan {key}", now=bot.clock.now()
        )
    bot.svc.outbox_wake()
    await bot.drained()


async def test_coordinator_hears_at_once_who_blocked_the_bot(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, siti, admin = users["Budi Santoso"], users["Siti Rahmawati"], double.user(ADMIN_ID)
    await admin.send_text("/language")  # the configured admin has opened the chat
    await admin.next_message()
    double.block(budi.user_id)
    calls = double.stats["sendmessage"]
    await _queue_for(bot, budi, "a")
    await _queue_for(bot, budi, "b")  # known to be gone: failed without a call

    for coordinator in (siti, admin):
        [notice] = coordinator.unread()
        assert "<b>Budi Santoso</b> (Bidang Pengembangan SDM) memblokir bot" in notice.html
    assert all(not u.unread() for name, u in users.items() if name != "Siti Rahmawati")
    assert double.stats["sendmessage"] == calls + 3  # "a" (refused) and the two notices
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("failed") == 2
        gone = await people.get_person_by_telegram(conn, budi.user_id)
    assert gone is not None
    assert gone.status == "unreachable"

    # Budi unblocks and writes: reachable again, and messages reach him once more.
    double.unblock(budi.user_id)
    await budi.send_text("/help")
    await budi.next_message()
    await _queue_for(bot, budi, "c")
    assert [m.text for m in budi.unread()] == ["pesan c"]
    async with bot.svc.db.read() as conn:
        back = await people.get_person_by_telegram(conn, budi.user_id)
    assert back is not None
    assert back.status == "active"


async def test_redelivered_update_is_not_applied_twice(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    user = double.user(823)
    await user.send_text("/start")
    await user.next_messages(2)
    sent = await user.send_text(NIP)
    assert "Langkah 2" in (await user.next_message()).text
    await double.settle()
    assert bot.running is not None
    await bot.running.inbox.accept([sent])  # Telegram re-sends it after a crash
    await double.settle()
    assert user.unread() == []
    await user.send_text("Eko Prasetyo")
    assert "Langkah 3" in (await user.next_message()).text
