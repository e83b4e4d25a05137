"""The one table of commands: each command's Indonesian and English name and who has it.

Help text, Telegram's command menus and handler registration (``bot/app.py``, which maps
each :attr:`Command.key` to its callback and refuses to start if one is missing) all come
from :data:`COMMANDS`. Both names of a command work for everyone; a person *sees* the names
of their own language. Adding a command is one row here, one callback in ``bot/app.py``
and one ``command.<key>`` description in each catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

EVERYONE = "everyone"  # strangers too (before registering)
MEMBER = "member"  # anyone on the roster or configured as coordinator
ROLE_ORDER = ("mentee", "mentor", "supervisor", "coordinator")


@dataclass(frozen=True, slots=True)
class Command:
    """``key`` names the catalogue description ``command.<key>`` and the callback."""

    key: str
    id: str
    en: str
    audience: tuple[str, ...]  # EVERYONE, MEMBER and/or role names

    def name(self, language: str) -> str:
        """The name shown to a reader of this language (English for ``en``)."""
        return self.en if language == "en" else self.id

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the bot answers to (once, if both languages share it)."""
        return tuple(dict.fromkeys((self.id, self.en)))


MENTEE, MENTOR = ("mentee",), ("mentor",)
COORDINATOR = ("coordinator",)

# In the order people see them in /help and in the menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", "mulai", "start", (EVERYONE,)),
    Command("help", "bantuan", "help", (EVERYONE,)),
    Command("profile", "profil", "profile", (MEMBER,)),
    Command("language", "bahasa", "language", (EVERYONE,)),
    Command("timezone", "zonawaktu", "timezone", (EVERYONE,)),
    Command("cancel", "batal", "cancel", (EVERYONE,)),
    Command("mydata", "dataku", "mydata", (EVERYONE,)),
    Command("erase", "hapusdata", "erasemydata", (MEMBER,)),
    Command("reflect", "refleksi", "reflection", MENTEE),
    Command("review", "tinjau", "review", MENTOR),
    Command("progress", "progres", "progress", ("mentee", "mentor")),
    Command("history", "riwayat", "history", ("mentee", "mentor")),
    Command("milestones", "tonggak", "milestones", ("mentee", "mentor")),
    Command("session", "sesi", "session", ("mentee", "mentor")),
    Command("mentor", "mentor", "mentor", MENTEE),
    Command("mentees", "mentee", "mentees", MENTOR),
    Command("pause", "jeda", "pause", ("mentee", "mentor")),
    Command("resume", "lanjut", "resume", ("mentee", "mentor")),
    Command("digest", "ringkasan", "digest", ("supervisor", "coordinator")),
    Command("ledger", "ledgerjp", "ledger", ROLE_ORDER),
    Command("report", "laporan", "report", ("mentor", "supervisor", "coordinator")),
    Command("record", "kartu", "record", ROLE_ORDER),
    Command("ratings", "catatan", "ratings", COORDINATOR),
    Command("newprogram", "programbaru", "newprogram", COORDINATOR),
    Command("programs", "program", "programs", COORDINATOR),
    Command("match", "pasangkan", "match", COORDINATOR),
    Command("requests", "permintaan", "requests", COORDINATOR),
    Command("people", "pegawai", "people", COORDINATOR),
    Command("who", "siapa", "who", COORDINATOR),
    Command("invite", "undang", "invite", COORDINATOR),
    Command("unlink", "lepas", "unlink", COORDINATOR),
    Command("changementor", "gantimentor", "setmentor", COORDINATOR),
    Command("deactivate", "nonaktif", "deactivate", COORDINATOR),
    Command("activate", "aktifkan", "activate", COORDINATOR),
    Command("audit", "audit", "audit", COORDINATOR),
)
BY_KEY: dict[str, Command] = {c.key: c for c in COMMANDS}
BY_NAME: dict[str, Command] = {name: c for c in COMMANDS for name in c.names}


def command_named(text: str) -> Command | None:
    """The command a message starts with (``/Batal@PembinaBot`` -> cancel), if any."""
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    if not word.startswith("/"):
        return None
    return BY_NAME.get(word[1:].split("@", 1)[0].lower())


def commands_for(roles: Iterable[str], *, known: bool) -> list[Command]:
    """The commands a person with these roles may use, in table order."""
    held = {EVERYONE} | ({MEMBER, *roles} if known else set())
    return [c for c in COMMANDS if held.intersection(c.audience)]


NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # what Telegram allows as a command name


def _check(commands: tuple[Command, ...]) -> None:
    """Every name is one Telegram accepts, and no name belongs to two commands."""
    owner: dict[str, str] = {}
    for command in commands:
        for name in command.names:
            if not NAME.match(name) or owner.setdefault(name, command.key) != command.key:
                raise ValueError(f"command name {name!r} is invalid or used twice")


_check(COMMANDS)
