"""/help, /profile and the coordinator's /people and /invite."""

from __future__ import annotations

import functools

from telegram import Update

from bot import menus, timezones
from bot.flows import coordination
from bot.flows.coordination import Invited, Unlinked
from bot.flows.identity import Viewer, who
from bot.handlers.common import (
    apply_menu,
    roles_text,
    roles_text_of,
    say,
    stranger_hint,
    viewer_of,
)
from bot.handlers.context import Context
from bot.i18n import Html, t
from storage.models import Invite


async def show_help(update: Update, context: Context) -> None:
    """/help: the commands of this person's roles, with one line each, named in their
    language; their menu is set again to match."""
    viewer = await viewer_of(update, context)
    await say(update, help_text(viewer.language, viewer.roles, viewer.known))
    await apply_menu(context, viewer)  # a menu set before a role or name change catches up


@functools.lru_cache(maxsize=64)
def help_text(lang: str, roles: frozenset[str], known: bool) -> Html:
    """The /help text of these roles in this language: the same every time while the
    process runs (commands table and catalogues are fixed), so worked out once."""
    if known:
        header = t(lang, "help.header", roles=Html(roles_text_of(lang, roles)))
    else:
        header = t(lang, "help.stranger_header")
    lines = [
        f"/{c.name(lang)} · {t(lang, f'command.{c.key}')}"
        for c in menus.commands_for(roles, known=known)
    ]
    return Html("\n".join([header, "", *lines, "", t(lang, "help.footer")]))


async def show_profile(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    lang = viewer.language
    person = viewer.person
    if person is None:
        text = (
            t(lang, "profile.admin") if viewer.is_admin else await stranger_hint(context, viewer)
        )
        await say(update, text)
        return
    none = t(lang, "profile.none")
    await say(
        update,
        t(
            lang,
            "profile.text",
            name=person.name,
            nip=person.nip or none,
            unit=person.unit or none,
            roles=Html(roles_text(viewer)),
            timezone=timezones.label(person.timezone),
            language=t(lang, f"language.name_{lang}"),
        ),
    )


async def show_people(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    summary = await coordination.roster_summary(context.svc, viewer)
    if summary is None:
        await say(update, t(viewer.language, "common.not_allowed"))
        return
    await say(update, t(viewer.language, "people.summary", **summary))


async def _nip_asked(update: Update, context: Context, usage: str) -> tuple[Viewer, str] | None:
    """A coordinator's ``/command NIP``: who asked and the NIP typed; None once someone
    without the right, or a command without a NIP, has been answered."""
    viewer = await viewer_of(update, context)
    if not viewer.is_coordinator:
        await say(update, t(viewer.language, "common.not_allowed"))
        return None
    if not context.args:
        await say(update, t(viewer.language, usage))
        return None
    return viewer, "".join(context.args)


def _expiry(viewer: Viewer, invite: Invite) -> str:
    """When an invite link stops working, on the coordinator's own clock."""
    expires = timezones.local(invite.expires_at, viewer.timezone)
    return f"{expires:%Y-%m-%d %H:%M} {timezones.label(viewer.timezone)}"


async def invite(update: Update, context: Context) -> None:
    """/invite NIP: a fresh link for one person (e.g. who lost theirs)."""
    asked = await _nip_asked(update, context, "invite.usage")
    if asked is None:
        return
    viewer, raw = asked
    lang = viewer.language
    result = await coordination.invite_person(context.svc, viewer, raw)
    if result.outcome is Invited.UNKNOWN_NIP:
        await say(update, t(lang, "invite.unknown_nip", nip=raw[:40]))
    elif result.outcome is Invited.ALREADY_JOINED and result.person:
        await say(
            update,
            t(
                lang,
                "invite.already_joined",
                name=result.person.name,
                nip=result.person.nip or "-",
            ),
        )
    elif result.outcome is Invited.LINK and result.person and result.invite:
        stamp = _expiry(viewer, result.invite)
        await say(
            update,
            t(lang, "invite.link", name=result.person.name, expires=stamp, link=result.link),
        )
    else:
        await say(update, t(lang, "common.not_allowed"))


async def unlink(update: Update, context: Context) -> None:
    """/unlink NIP (alias /lepas): free a roster person from a Telegram account bound by
    mistake; their invite link works again."""
    asked = await _nip_asked(update, context, "unlink.usage")
    if asked is None:
        return
    viewer, raw = asked
    lang = viewer.language
    result = await coordination.unlink_person(context.svc, viewer, raw)
    if result.outcome is Unlinked.UNKNOWN_NIP:
        await say(update, t(lang, "invite.unknown_nip", nip=raw[:40]))
    elif result.outcome is Unlinked.NOT_LINKED and result.person:
        await say(update, t(lang, "unlink.not_linked", name=result.person.name))
    elif result.outcome is Unlinked.UNLINKED and result.person and result.invite:
        stamp = _expiry(viewer, result.invite)
        await say(
            update,
            t(lang, "unlink.done", name=result.person.name, expires=stamp, link=result.link),
        )
        if result.telegram_id is not None:
            await apply_menu(context, await who(context.svc, result.telegram_id))
    else:
        await say(update, t(lang, "common.not_allowed"))
