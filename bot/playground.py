"""``pembina playground``: the real bot against the built-in Telegram double, in a terminal.

A newcomer (or a developer trying a feature as a user would) chats as any demo person
without a Telegram account: the bot, its database and its handlers are exactly those of
``pembina run``; only Telegram is replaced by the local double on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import (
    Running,
    build_application,
    has_work,
    operator_services,
    services_of,
    start_bot,
    stop_bot,
)
from bot.clock import ShiftedClock
from bot.config import Settings
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from bot.i18n import plain
from bot.playground_text import to_terminal
from bot.scheduler import run_due_work
from bot.telegram_double import DoubleUser, TelegramDouble
from storage import inbox

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_ROSTER = DEMO_DIR / "roster.csv"
SAMPLE_ROSTER = DEMO_DIR / "roster-excel.xlsx"  # what :roster sends when given no file
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_ID = 1001
GUEST_ID = 2001
# The bot is idle by exact checks (Playground.settle); this much silence on top is a margin,
# not the wait itself (0.4 s of silence after every line was most of a script's time).
QUIET = 0.02
SETTLE_SECONDS = 30.0  # a bot still busy after this is stuck: said, not waited on forever


@dataclass
class Persona:
    number: int
    name: str
    role: str
    user: DoubleUser
    code: str | None = None
    seen: dict[int, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # shown state
    pressable: list[tuple[Any, int]] = field(default_factory=list)  # [N] -> (message, button)
    typed: list[dict[str, Any]] = field(default_factory=list)  # text messages sent, to :edit


def _roster_people() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(DEMO_ROSTER.read_text(encoding="utf-8"))))


class Playground:
    """The terminal chat: one current persona, commands starting with ``:``."""

    def __init__(
        self, double: TelegramDouble, language: str, colour: bool, files: Path | None = None
    ) -> None:
        self.double = double
        self.files = files  # where pictures the bot drew are saved, to open and look at
        self.lang = language
        self.colour = colour
        self.personas: list[Persona] = []
        self.current: Persona | None = None
        self._answers_seen = 0
        self.clock: ShiftedClock | None = None
        self.services: Services | None = None

    async def settle(self) -> None:
        """Wait until the bot is done with what was just typed (or ticked), so its replies
        and the notices it sends other people are all shown before the prompt returns.

        Done means every update confirmed and :func:`bot.app.has_work` false (set as the
        double's busy check in :func:`_play`): nothing handled, built, sent or due to be
        sent now. Rows planned for later, like nudges spread over the day, are not
        waited for; a notice to someone else is (a chat's paced about one a second)."""
        await self.double.settle(quiet=QUIET, timeout=SETTLE_SECONDS)

    def say(self, key: str, **values: object) -> None:
        print(plain(self.lang, f"playground.{key}", **values), flush=True)

    def add(self, name: str, role: str, telegram_id: int, language: str, code: str | None) -> None:
        user = self.double.user(telegram_id, first_name=name.split()[0], language_code=language)
        self.personas.append(Persona(len(self.personas) + 1, name, role, user, code))

    def list_people(self) -> None:
        for p in self.personas:
            marker = "→" if p is self.current else " "
            self.say("person_line", marker=marker, number=p.number, name=p.name, role=p.role)

    def become(self, number: int) -> None:
        found = [p for p in self.personas if p.number == number]
        if not found:
            self.say("no_such_person", number=number)
            return
        self.current = found[0]
        self.say("now_as", name=self.current.name, role=self.current.role)
        if self.current.code and not self.current.user.messages:
            self.say("has_invite")
        self.show_new(self.current)

    def _buttons(self, message: Any) -> list[str]:
        markup = message.reply_markup or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [button["text"] for row in rows for button in row]

    def _render(self, persona: Persona, message: Any) -> str:
        """The message for the terminal; its buttons get the next free numbers of this
        screenful, so ``:press N`` means the button shown as [N]."""
        text = to_terminal(message.html or message.text or "", colour=self.colour)
        if message.kind != "text":
            text = f"[{message.kind}] {text}" + self._save_file(message)
        labels = []
        for index, label in enumerate(self._buttons(message)):
            persona.pressable.append((message, index))
            labels.append(f"[{len(persona.pressable)}] {label}")
        return text + ("\n" + "  ".join(labels) if labels else "")

    def _save_file(self, message: Any) -> str:
        """A picture the bot drew (a digest's chart) or a document it built (a ledger, a
        report) goes to a file: a terminal cannot show it, a viewer or a spreadsheet can."""
        if self.files is None or message.kind not in ("photo", "document") or not message.file_ids:
            return ""
        stored = self.double.file(message.file_ids[0])
        if not stored.file_path.startswith("uploads/"):
            return ""  # a user's photo or document, not something the bot made
        if message.kind == "photo":
            path = self.files / f"chart-{message.chat_id}-{message.message_id}.png"
            key = "playground.picture_saved"
        else:
            name = Path(stored.file_path).name or "document"
            path = self.files / f"{message.chat_id}-{message.message_id}-{name}"
            key = "playground.document_saved"
        path.write_bytes(stored.data)
        return "\n" + plain(self.lang, key, path=path)

    def _state(self, message: Any) -> tuple[str, tuple[str, ...]]:
        return message.html or message.text or "", tuple(self._buttons(message))

    def show_new(self, persona: Persona) -> None:
        """Print this persona's new bot messages, and edits that changed the text or gave new
        buttons (an edit that only took the buttons away is not worth repeating)."""
        shown = []
        for message in persona.user.messages:
            state = self._state(message)
            previous = persona.seen.get(message.message_id)
            persona.seen[message.message_id] = state
            if previous is None:
                shown.append(("bot_says", message))
            elif previous[0] != state[0] or (state[1] and previous[1] != state[1]):
                shown.append(("bot_edited", message))
        if any(self._buttons(m) for _, m in shown):
            persona.pressable = []
        for key, message in shown:
            self.say(key, text=self._render(persona, message))
        self._show_alerts(persona)

    def _show_alerts(self, persona: Persona) -> None:
        """Alerts a button press raised (Telegram shows them as a pop-up)."""
        answers = self.double.callback_answers
        for answer in answers[self._answers_seen :]:
            if answer["show_alert"] and answer["user_id"] == persona.user.user_id:
                self.say("alert", text=answer["text"])
        self._answers_seen = len(answers)

    def notify_others(self) -> None:
        for p in self.personas:
            if p is self.current:
                continue
            fresh = sum(1 for m in p.user.messages if m.message_id not in p.seen)
            if fresh:
                self.say("others_have", name=p.name, count=fresh, number=p.number)

    async def act(self, line: str) -> bool:
        """Carry out one line of input; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            self.say("help")
            return True
        if line in (":people", ":who"):
            self.list_people()
            return True
        if line == ":joinall":
            await self.join_all()
            return True
        if line.startswith(":tick"):
            await self.tick(line[5:].strip())
            return True
        if line.startswith(":as"):
            arg = line[3:].strip()
            if arg.isdigit():
                self.become(int(arg))
            else:
                self.say("usage_as")
            return True
        persona = self.current
        if persona is None:
            self.say("choose_first")
            return True
        if not await self._send(persona, line):
            return True
        await self.settle()
        self.show_new(persona)
        self.notify_others()
        return True

    async def tick(self, value: str) -> None:
        """Jump the bot's clock to an instant and run what the scheduler finds due then."""
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None or self.clock is None or self.services is None:
            self.say("usage_tick")
            return
        self.clock.jump_to(at)
        done = await run_due_work(self.services)
        self.services.outbox_wake()  # what it queued goes now, not at the sender's next look
        await self.settle()
        self.say("ticked", at=at.isoformat(), count=sum(done.values()))
        if self.current is not None:
            self.show_new(self.current)
        self.notify_others()

    async def join_all(self) -> None:
        """Everyone on the demo roster taps their invite link (their greetings are skipped)."""
        for persona in self.personas:
            if persona.code and not persona.user.messages:
                await persona.user.send_text(f"/start {persona.code}")
        await self.settle()
        for persona in self.personas:
            for message in persona.user.messages:
                persona.seen.setdefault(message.message_id, self._state(message))
        self.say("joined_all")

    async def _send(self, persona: Persona, line: str) -> bool:
        user = persona.user
        if line == ":open":
            if not persona.code:
                self.say("no_invite")
                return False
            await user.send_text(f"/start {persona.code}")
        elif line.startswith(":press"):
            return await self._press(persona, line[6:].strip())
        elif line == ":sticker":
            await user.send_sticker()
        elif line == ":photo":
            await user.send_photo()
        elif line == ":voice":
            await user.send_voice()
        elif line == ":doc":
            await user.send_document(b"%PDF-1.4 demo", "dokumen.pdf", "application/pdf")
        elif line.startswith(":roster"):
            return await self._send_roster(user, line[len(":roster") :].strip())
        elif line.startswith(":edit"):
            return await self._edit(persona, line[len(":edit") :].strip())
        elif line == ":menu":
            await self.settle()
            for name, description in user.menu_descriptions().items():
                self.say("menu_line", name=name, description=description)
            return False
        elif line.startswith(":"):
            self.say("unknown_command")
            return False
        else:
            persona.typed.append(await user.send_text(line))
        return True

    async def _edit(self, persona: Persona, arg: str) -> bool:
        """Edit a text this person sent, as Telegram's "Edit" does: ``:edit TEXT`` the last
        one, ``:edit 2 TEXT`` the one before it, and so on."""
        back, _, rest = arg.partition(" ")
        count, text = (int(back), rest.strip()) if back.isdigit() and rest.strip() else (1, arg)
        if not text or not 1 <= count <= len(persona.typed):
            self.say("usage_edit", count=len(persona.typed))
            return False
        await persona.user.edit_text(persona.typed[-count], text)
        return True

    async def _send_roster(self, user: DoubleUser, arg: str) -> bool:
        """Send a roster file as a document, as a coordinator would from their computer:
        a path, a sample's name in ``bot/demo`` (``roster-excel.csv``), or the sample .xlsx."""
        candidates = [Path(arg), DEMO_DIR / arg] if arg else [SAMPLE_ROSTER]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            self.say("no_such_file", path=arg)
            return False
        data = await asyncio.to_thread(path.read_bytes)
        mime = XLSX_MIME if path.suffix.lower() == ".xlsx" else "text/csv"
        await user.send_document(data, path.name, mime)
        return True

    async def _press(self, persona: Persona, arg: str) -> bool:
        """Press the button shown as [N] in the latest screenful that had buttons."""
        if not persona.pressable:
            self.say("no_buttons")
            return False
        if not arg.isdigit() or not 1 <= int(arg) <= len(persona.pressable):
            self.say("usage_press", count=len(persona.pressable))
            return False
        message, index = persona.pressable[int(arg) - 1]
        if index >= len(message.buttons):
            self.say("no_buttons")
            return False
        await persona.user.press(message, index)
        return True


async def _lines(script: Path | None, prompt: str) -> Any:
    """Input lines from a script file (echoed) or the keyboard; ends at EOF."""
    if script is not None:
        for line in (await asyncio.to_thread(script.read_text, encoding="utf-8")).splitlines():
            print(f"{prompt}{line}", flush=True)
            yield line
        return
    while True:
        try:
            yield await asyncio.to_thread(input, prompt)
        except EOFError:
            return


async def _seed(settings: Settings) -> tuple[dict[str, str], int]:
    """Migrate the database and load the demo roster: invite codes by name, and the last
    update id the database holds (a database kept with ``--db`` and opened again)."""
    async with operator_services(settings) as svc:
        parsed = await validate_roster(svc, DEMO_ROSTER.read_text(encoding="utf-8"))
        report = await import_roster(svc, parsed)
        async with svc.db.read() as conn:
            last = await inbox.last_update_id(conn)
    return {person.name: invite.code for person, invite in report.invites}, last or 0


async def run_playground(
    settings: Settings, *, db_path: Path | None, script: Path | None, files: Path | None = None
) -> int:
    quiet_logs()
    lang = settings.pembina_language
    with tempfile.TemporaryDirectory(prefix="pembina-playground-") as scratch:
        return await _play(settings, lang, Path(scratch), db_path, script, files)


async def _play(
    settings: Settings,
    lang: str,
    workdir: Path,
    db_path: Path | None,
    script: Path | None,
    files: Path | None = None,
) -> int:
    """One playground session. Without ``--db`` the database and the pictures live in
    ``workdir``, removed when it ends, so nothing is left behind in the temp folder; with
    ``--db`` both are kept, the pictures beside the database."""
    db_file = db_path or workdir / "playground.db"
    pictures = files or db_file.parent
    pictures.mkdir(parents=True, exist_ok=True)
    async with TelegramDouble(bot_username="pembina_demo_bot", bot_name="Pembina") as double:
        local = settings.model_copy(
            update={
                "telegram_api_base_url": double.base_url,
                "database_url": f"sqlite+aiosqlite:///{db_file}",
                "pembina_admin_ids": [],
            }
        )
        codes, last_update = await _seed(local)
        double.resume_update_ids(last_update)
        clock = ShiftedClock()
        app = build_application(local, double.token, clock=clock)
        running: Running = await start_bot(app, poll_timeout=1)
        # A command's answers are shown once the bot is done with it, not after a silence.
        double.busy_checks.append(lambda: has_work(running))
        try:
            playground = Playground(double, lang, colour=sys.stdout.isatty(), files=pictures)
            playground.clock, playground.services = clock, services_of(app)
            for offset, row in enumerate(_roster_people()):
                playground.add(
                    row["name"],
                    plain(lang, f"playground.role_{row['role']}"),
                    FIRST_ID + offset,
                    row["language"] or lang,
                    codes.get(row["name"]),
                )
            playground.add(
                plain(lang, "playground.guest_name"),
                plain(lang, "playground.role_guest"),
                GUEST_ID,
                lang,
                None,
            )
            playground.say("welcome", db=db_file, url=double.base_url)
            playground.list_people()
            playground.say("help")
            async for line in _lines(script, "> "):
                if not await playground.act(line):
                    break
            if db_path is None:
                playground.say("bye_discarded")
            else:
                playground.say("bye", db=db_file)
        finally:
            await stop_bot(running)
    return 0


def quiet_logs() -> None:
    """The playground is a chat: only warnings from the libraries underneath."""
    import logging

    for name in ("telegram", "httpx", "aiohttp", "bot", "alembic", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
