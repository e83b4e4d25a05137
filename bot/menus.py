"""Which commands each role has: the source for /help and for Telegram's command menu."""

from __future__ import annotations

from collections.abc import Iterable

# In the order people see them. Every name has a ``command.<name>`` catalogue entry.
STRANGER = ("start", "help", "language", "timezone", "cancel")
MEMBER = ("start", "help", "profile", "language", "timezone", "cancel")
BY_ROLE: dict[str, tuple[str, ...]] = {
    "mentee": ("refleksi", "progres", "sesi", "mentor", "jeda", "lanjut"),
    "mentor": ("review", "mentees", "sesi", "progres", "jeda", "lanjut"),
    "supervisor": ("ringkasan",),
    "coordinator": (
        "ringkasan",
        "catatan",
        "newprogram",
        "programs",
        "match",
        "requests",
        "people",
        "invite",
        "unlink",
    ),
}


ROLE_ORDER = ("mentee", "mentor", "supervisor", "coordinator")


def commands_for(roles: Iterable[str], *, known: bool) -> list[str]:
    """The commands a person with these roles may use (role commands after the basics)."""
    if not known:
        return list(STRANGER)
    names = list(MEMBER)
    for role in ROLE_ORDER:
        if role in roles:
            names += [n for n in BY_ROLE[role] if n not in names]
    return names
