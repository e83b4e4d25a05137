"""The Telegram double answers like Telegram, checked with a real PTB ``Bot`` over HTTP."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.telegram_double import RateLimits, TelegramDouble
from bot.telegram_double.html import HtmlError, parse_html
from tests.conftest import SPEC_PATH


@pytest_asyncio.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble(spec_path=SPEC_PATH) as tg:
        yield tg


@pytest_asyncio.fixture
async def bot(double: TelegramDouble) -> AsyncIterator[Bot]:
    async with Bot(
        double.token, base_url=double.base_url, base_file_url=double.base_file_url
    ) as b:
        yield b


async def test_get_me_and_wrong_token(double: TelegramDouble, bot: Bot) -> None:
    assert bot.username == "pembina_demo_bot"
    with pytest.raises(InvalidToken):
        async with Bot("1:WRONG", base_url=double.base_url):
            pass


async def test_updates_with_command_entity_and_offsets(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42, first_name="Budi")
    await user.send_text("/start abc")
    await user.send_text("halo")
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["/start abc", "halo"]
    first = updates[0].message
    assert first is not None
    assert first.entities[0].type == "bot_command"
    assert first.entities[0].length == len("/start")
    again = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.update_id for u in again] == [updates[1].update_id]
    assert await bot.get_updates(offset=updates[1].update_id + 1, timeout=0) == ()


async def test_long_poll_returns_when_an_update_arrives(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await user.send_text("halo")
    updates = await asyncio.wait_for(poll, 2)
    assert len(updates) == 1


async def test_html_is_parsed_and_bad_html_refused(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    await user.send_text("hi")
    await bot.send_message(42, "Halo <b>Budi</b> &amp; <i>co</i>", parse_mode=ParseMode.HTML)
    sent = await user.next_message()
    assert sent.text == "Halo Budi & co"
    assert [(e["type"], e["offset"], e["length"]) for e in sent.entities] == [
        ("bold", 5, 4),
        ("italic", 12, 2),
    ]
    for bad in ("<b>unclosed", "a < b", "<script>x</script>", "Tom & Jerry", "<b><i>x</b></i>"):
        with pytest.raises(BadRequest, match=r"(?i)parse entities"):
            await bot.send_message(42, bad, parse_mode=ParseMode.HTML)


def test_html_parser_counts_utf16_units() -> None:
    text, entities = parse_html("😀 <b>x</b>")
    assert text == "😀 x"
    assert entities == [{"type": "bold", "offset": 3, "length": 1}]
    with pytest.raises(HtmlError):
        parse_html('<a title="x">no href</a>')


async def test_length_limits(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    await user.send_text("hi")
    await bot.send_message(
        42, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML
    )  # tags are free
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(42, "😀" * 2049)  # 4098 UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(42, "   ")


async def test_callback_data_limit_and_press(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    await user.send_text("hi")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(42, "pick", reply_markup=too_long)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y" * 64)]])
    await bot.send_message(42, "pick", reply_markup=keyboard)
    await bot.get_updates(timeout=0)
    message = await user.next_message()
    await user.press(message, "Ya")
    [update] = await bot.get_updates(offset=2, timeout=1)
    assert update.callback_query is not None
    assert update.callback_query.data == "y" * 64
    assert await bot.answer_callback_query(update.callback_query.id, "ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(update.callback_query.id, "again")


async def test_forbidden_for_blocked_and_never_started(double: TelegramDouble, bot: Bot) -> None:
    with pytest.raises(Forbidden, match=r"(?i)initiate conversation"):
        await bot.send_message(7, "hello stranger")
    user = double.user(42)
    await user.send_text("hi")
    double.block(42)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(42, "hello")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100123, "hello group")


async def test_injected_429_502_and_real_rate_limit(bot: Bot) -> None:
    strict = TelegramDouble(rate_limits=RateLimits(per_chat_burst=2, reply_credit=0))
    async with strict as tg, Bot(tg.token, base_url=tg.base_url) as b:
        await tg.user(42).send_text("hi")
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter) as caught:
            await b.send_message(42, "a")
        assert caught.value.retry_after.total_seconds() == 3
        tg.fail_next("sendMessage", 502, "Bad Gateway")
        with pytest.raises(NetworkError):
            await b.send_message(42, "a")
        await b.send_message(42, "1")
        await b.send_message(42, "2")
        with pytest.raises(RetryAfter):
            await b.send_message(42, "3")  # burst of 2, then 1 per second
        assert tg.stats["429"] == 2


async def test_spec_check_catches_unknown_fields(double: TelegramDouble, bot: Bot) -> None:
    if not SPEC_PATH.exists():
        pytest.skip(f"Bot API spec not found at {SPEC_PATH}: request checking is skipped")
    assert double.spec_checked
    await double.user(42).send_text("hi")
    with pytest.raises(BadRequest, match=r"(?i)bogus_field is not a parameter of sendMessage"):
        await bot.send_message(42, "x", api_kwargs={"bogus_field": 1})
    assert double.spec_violations == ["sendMessage: bogus_field is not a parameter of sendMessage"]


async def test_command_menus_by_scope(double: TelegramDouble, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("help", "Bantuan")])
    await bot.set_my_commands([BotCommand("help", "Help")], language_code="en")
    await bot.set_my_commands([BotCommand("people", "Roster")], scope=BotCommandScopeChat(42))
    assert [c["command"] for c in double.commands_for(42, "id")] == ["people"]
    assert double.commands_for(7, "en") == [{"command": "help", "description": "Help"}]
    assert double.commands_for(7, "id") == [{"command": "help", "description": "Bantuan"}]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


def image(width: int, height: int, kind: str = "PNG") -> bytes:
    """A real image of that size, encoded by Pillow."""
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, format=kind)
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    return image(width, height, "PNG")


async def test_photo_upload_and_download(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    await user.send_photo(b"\x89PNG fake", caption="bukti")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    photo = update.message.photo[-1]
    downloaded = await (await bot.get_file(photo.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"\x89PNG fake"
    # A photo already on Telegram's servers is sent again by file_id and not re-checked.
    again = await bot.send_photo(42, photo=photo.file_id)
    assert (again.photo[-1].width, again.photo[-1].height) == (640, 480)
    sent = await bot.send_photo(
        42, photo=png(4, 3), caption="<b>balik</b>", parse_mode=ParseMode.HTML
    )
    assert sent.caption == "balik"


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(300, 200), (300, 200)),
        (png(1, 20), (1, 20)),  # ratio exactly 20 is allowed
        (image(1280, 720, "JPEG"), (1280, 720)),
        (image(48, 32, "GIF"), (48, 32)),
        (image(64, 64, "WEBP"), (64, 64)),
    ],
)
async def test_uploaded_photo_reports_its_real_size(
    double: TelegramDouble, bot: Bot, data: bytes, size: tuple[int, int]
) -> None:
    double.open_chat(42)
    sent = await bot.send_photo(42, photo=data)
    assert (sent.photo[-1].width, sent.photo[-1].height) == size
    assert sent.photo[-1].file_size == len(data)
    downloaded = await (await bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == data


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"%PDF-1.7 not a photo", "IMAGE_PROCESS_FAILED"),
        (b"\x89PNG fake", "IMAGE_PROCESS_FAILED"),  # the signature alone is not an image
        (png(1, 50), "PHOTO_INVALID_DIMENSIONS"),  # ratio 50 > 20
        (png(5001, 5000), "PHOTO_INVALID_DIMENSIONS"),  # 10001 > 10000 in total
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024), "file is too big"),
    ],
)
async def test_uploaded_photo_telegram_would_refuse(
    double: TelegramDouble, bot: Bot, data: bytes, error: str
) -> None:
    double.open_chat(42)
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.send_photo(42, photo=data, caption="grafik")
    assert double.calls[-1].status == 400
    assert double.messages_in(42) == []
    # the same bytes are fine as a document, as in Telegram
    await bot.send_document(42, document=data, filename="lampiran.bin")


async def test_largest_allowed_photo_is_accepted(double: TelegramDouble, bot: Bot) -> None:
    double.open_chat(42)
    sent = await bot.send_photo(42, photo=png(5000, 5000))
    assert (sent.photo[-1].width, sent.photo[-1].height) == (5000, 5000)


async def test_settle_waits_for_quiet(double: TelegramDouble, bot: Bot) -> None:
    user = double.user(42)
    await user.send_text("hi")
    with pytest.raises(TimeoutError):
        await double.settle(quiet=0.1, timeout=0.5)  # nobody fetched the update
    [update] = await bot.get_updates(timeout=0)
    with pytest.raises(TimeoutError):
        await double.settle(quiet=0.1, timeout=0.5)  # fetched, but not confirmed
    assert double.confirmed_upto == 0
    await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert double.confirmed_upto == update.update_id
    await double.settle(quiet=0.1, timeout=2)


async def test_settle_waits_for_a_call_being_answered_and_for_awaited_checks(
    double: TelegramDouble, bot: Bot
) -> None:
    """A stalled call is work in progress however long the silence; a check may be a
    coroutine (one that reads the bot's database); with exact checks no silence is asked."""
    double.open_chat(42)
    double.stall_next("sendMessage", 0.6)
    sending = asyncio.create_task(bot.send_message(42, "lambat"))
    await double.wait_until(lambda: bool(double.messages_in(42)), timeout=5)
    with pytest.raises(TimeoutError):
        await double.settle(quiet=0.1, timeout=0.3)  # stored, but not answered yet
    await sending
    await double.settle(quiet=0.1, timeout=2)

    working = [True]

    async def busy() -> bool:
        await asyncio.sleep(0)
        return working[0]

    double.busy_checks.append(busy)
    with pytest.raises(TimeoutError):
        await double.settle(quiet=0.1, timeout=0.3)
    working[0] = False
    double.exact_checks = True
    await bot.get_me()  # a call just now: without exact checks, 0.3 s of silence is asked
    await double.settle(timeout=0.25)


async def test_answering_a_chatty_user_is_not_rate_limited() -> None:
    """Replies earn credit: six quick questions, six quick answers, no 429; a flood is limited."""
    async with TelegramDouble() as tg, Bot(tg.token, base_url=tg.base_url) as b:
        user = tg.user(42)
        for n in range(6):
            await user.send_text(f"pertanyaan {n}")
        for n in range(6):
            await b.send_message(42, f"jawaban {n}")
        with pytest.raises(RetryAfter):
            for n in range(40):
                await b.send_message(42, f"banjir {n}")
