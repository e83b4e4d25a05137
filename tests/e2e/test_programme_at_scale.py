"""A full programme: three mentors (one nearly full), eight mentees, auto-match, a decline,
a hand-made pair, an end request, and the coordinator's wizard in chat."""

from __future__ import annotations

from bot.flows import pairing as pairing_flow
from bot.flows import programmes
from bot.flows.roster_import import import_roster, validate_roster
from bot.telegram_double import TelegramDouble
from storage import pairings, people
from tests.e2e.conftest import BotUnderTest

HEADER = "nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language\n"


def _nip(n: int) -> str:
    return f"1990{(n % 12) + 1:02d}{(n % 28) + 1:02d}201501{1 + n % 2}{n:03d}"


ROSTER = HEADER + "\n".join(
    [f"{_nip(1)},Koordinator Satu,coordinator,BKPSDM,,,WIB,id"]
    + [f"{_nip(10 + i)},Mentor {i},mentor,Unit {'AB'[i % 2]},,,WIB,id" for i in range(3)]
    + [
        f"{_nip(20 + i)},Mentee {i},mentee,Unit {'AB'[i % 2]},,,{'WIB' if i < 4 else 'WIT'},id"
        for i in range(8)
    ]
)


async def test_three_mentors_eight_mentees(bot: BotUnderTest, double: TelegramDouble) -> None:
    report = await import_roster(bot.svc, await validate_roster(bot.svc, ROSTER))
    codes = {person.name: invite.code for person, invite in report.invites}
    users = {}
    for number, name in enumerate(codes, 1):
        user = double.user(700 + number, first_name=name.split()[0])
        await user.send_text(f"/start {codes[name]}")
        await user.next_message()
        users[name] = user
    async with bot.svc.db.write() as conn:
        mentor2 = await people.get_person_by_nip(conn, _nip(12))
        assert mentor2 is not None
        await people.update_person(conn, mentor2.id, bot.clock.now(), mentor_capacity=1)

    # The coordinator creates the programme in chat (wizard), for everyone on the roster.
    coord = users["Koordinator Satu"]
    await coord.send_text("/newprogram")
    await coord.next_message()
    await coord.send_text("ab")
    assert "3 sampai 100" in (await coord.next_message()).text
    await coord.send_text("Mentoring Umum 2027")
    await coord.press(await coord.next_message(), "Mentoring umum")
    await coord.press(await coord.next_message(), "Hari ini")
    assert "tanggal selesai" in (await coord.next_message()).text
    await coord.send_text("2020-01-01")
    assert "setelah tanggal mulai" in (await coord.next_message()).text
    await coord.send_text("30-06-2027")
    await coord.press(await coord.next_message(), "Kamis")
    await coord.press(await coord.next_message(), "Semua di roster")
    summary = await coord.next_message()
    assert "Mulai–selesai: 2026-12-07 s.d. 2027-06-30" in summary.text
    await coord.press(summary, "✅ Buat program")
    assert "8 mentee, 3 mentor" in (await coord.next_message()).text

    programme = await programmes.by_name(bot.svc, "Mentoring Umum 2027")
    assert programme is not None
    plan = await pairing_flow.plan_for(bot.svc, programme)
    per_mentor = {}
    for proposal in plan.proposals:
        name = plan.people[proposal.mentor_id].name
        per_mentor[name] = per_mentor.get(name, 0) + 1
    assert per_mentor == {"Mentor 0": 3, "Mentor 1": 3, "Mentor 2": 1}  # capacities 3, 3, 1
    assert [plan.people[u.mentee_id].name for u in plan.unmatched] == ["Mentee 7"]
    assert plan.unmatched[0].reason == "no_capacity"

    await coord.send_text("/match Mentoring Umum 2027")
    preview = await coord.next_message()
    assert "Mentee 7: semua mentor sudah penuh" in preview.text
    await coord.press(preview, 0)
    await double.settle()

    # Mentor 2 declines: nobody has room, so the coordinator is told there is no next mentor.
    offer = next(m for m in users["Mentor 2"].unread() if m.buttons)
    await users["Mentor 2"].press(offer, "❌ Tolak")
    await double.settle()
    assert any("Ditawarkan berikutnya kepada: -" in m.text for m in coord.unread())

    # A hand-made pair can never exceed a mentor's capacity.
    mentee7 = _nip(27)
    assert await pairing_flow.pair_by_hand(bot.svc, None, programme, mentee7, _nip(10)) is (
        pairing_flow.ByHand.AT_CAPACITY
    )
    assert await pairing_flow.pair_by_hand(bot.svc, None, programme, mentee7, _nip(12)) is (
        pairing_flow.ByHand.OFFERED
    )
    async with bot.svc.db.read() as conn:
        loads = await pairings.loads(conn)
    assert max(loads.values()) <= 3
    assert sorted(loads.values()) == [1, 3, 3]

    # A mentee asks to end an accepted pairing, with a reason; the coordinator ends it
    # after choosing the reason (never with one press).
    mentor0 = users["Mentor 0"]
    for message in [m for m in mentor0.unread() if m.buttons]:
        await mentor0.press(message, "✅ Terima")
    await double.settle()
    mentee0 = users["Mentee 0"]
    assert "didampingi oleh Mentor 0" in mentee0.unread()[-1].text
    await mentee0.send_text("/mentor")
    mine = await mentee0.next_message()
    await mentee0.press(mine, "Minta akhiri pasangan")
    why = await mentee0.next_message()
    await mentee0.press(why, "Kurang cocok")
    await double.settle()
    assert "sudah dikirim ke koordinator" in mentee0.current(why).text
    await double.settle()
    request = next(m for m in coord.unread() if m.buttons)
    assert "Mentee 0 meminta agar pasangan Mentor 0 – Mentee 0 diakhiri" in request.text
    await mentee0.press_data(request.message_id, request.buttons[0]["callback_data"])  # not hers
    await double.settle()
    assert "hanya koordinator" in double.callback_answers[-1]["text"]
    await coord.press(request, "⛔ Akhiri pasangan")
    await double.settle()
    await coord.press(coord.current(request), "Kurang cocok")
    await double.settle()
    assert "Koordinator mengakhiri pasangan Anda dengan Mentor 0" in mentee0.unread()[-1].text
    assert "Koordinator mengakhiri pasangan Anda dengan Mentee 0" in mentor0.unread()[-1].text
