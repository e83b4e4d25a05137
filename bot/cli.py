"""The command line: ``pembina run | migrate | roster import | playground``.

Errors a person can fix (a bad setting, a missing file, a rejected token) end with one clear
line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.config import Settings, SettingsError, load_settings
from bot.i18n import plain

log = logging.getLogger("pembina")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pembina",
        description="Pembina: a Telegram bot for ASN mentoring and project-based learning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (long polling); applies pending migrations first")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    roster = sub.add_parser("roster", help="manage the roster")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    imp = roster_sub.add_parser(
        "import",
        help="validate and import a roster CSV (all rows or none), write invite links",
        description="CSV columns: nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language",
    )
    imp.add_argument("file", type=Path, help="the roster CSV (UTF-8, header row)")
    imp.add_argument(
        "--invites-out",
        type=Path,
        default=Path("invites.csv"),
        help="where to write nip,name,role,code,link (default: invites.csv)",
    )
    imp.add_argument(
        "--bot-username",
        default=None,
        help="the bot's @username for links (default: asked from Telegram with the token)",
    )
    _program_parser(sub)
    jobs = sub.add_parser("jobs", help="run scheduled work by hand")
    jobs_actions = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    tick = jobs_actions.add_parser(
        "tick",
        help="run everything due at an instant (nudges, expired offers) and queue its messages"
        " for the running bot to send",
    )
    tick.add_argument(
        "--at", default=None, help="the instant, e.g. 2026-12-07T09:00+07:00 (default: now)"
    )
    outbox_cmd = sub.add_parser("outbox", help="the queue of messages the bot sends by itself")
    outbox_actions = outbox_cmd.add_subparsers(
        dest="outbox_command", required=True, metavar="ACTION"
    )
    outbox_actions.add_parser("status", help="pending, sent and failed counts")
    play = sub.add_parser(
        "playground", help="try Pembina locally against a built-in Telegram double (no token)"
    )
    play.add_argument("--db", type=Path, default=None, help="SQLite file (default: a fresh one)")
    play.add_argument(
        "--script",
        type=Path,
        default=None,
        help="read playground commands from this file instead of the keyboard",
    )
    return parser


def _program_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    program = sub.add_parser("program", help="create, list and pair programmes")
    actions = program.add_subparsers(dest="program_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a programme from a template")
    create.add_argument(
        "--name", required=True, help="a unique name, e.g. 'Latsar 2026 Angkatan 1'"
    )
    create.add_argument(
        "--kind",
        required=True,
        choices=["latsar", "perubahan", "umum"],
        help="template: reflection questions and milestones",
    )
    create.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
    create.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
    create.add_argument(
        "--reflection-day",
        required=True,
        help="weekly reflection day: monday..friday (or senin..jumat)",
    )
    create.add_argument(
        "--members",
        required=True,
        type=Path,
        help="CSV with a nip column; mentors and mentees by their roster role",
    )
    create.add_argument(
        "--unit-rule",
        choices=["any", "same", "different"],
        default="any",
        help="matching preference: mentor from the same unit, another, or any",
    )
    actions.add_parser("list", help="list programmes with member and pairing counts")
    match = actions.add_parser("match", help="propose mentor-mentee pairs (apply with --apply)")
    match.add_argument("name", help="the programme's name")
    match.add_argument("--apply", action="store_true", help="send the offers to the mentors")
    pair = actions.add_parser("pair", help="offer one mentee to one mentor by hand")
    pair.add_argument("name", help="the programme's name")
    pair.add_argument("--mentee", required=True, help="the mentee's NIP")
    pair.add_argument("--mentor", required=True, help="the mentor's NIP")
    questions = actions.add_parser(
        "questions", help="show, or replace from a file, the reflection questions and milestones"
    )
    questions.add_argument("name", help="the programme's name")
    questions.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="one question per line (the hours question stays last)",
    )
    questions.add_argument(
        "--milestones", type=Path, default=None, help="one milestone per line: YYYY-MM-DD title"
    )
    unpair = actions.add_parser("unpair", help="end a mentee's pairing (or open offer)")
    unpair.add_argument("name", help="the programme's name")
    unpair.add_argument("--mentee", required=True, help="the mentee's NIP")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.pembina_log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "run":
        return asyncio.run(_run(settings))
    if args.command == "roster":
        return asyncio.run(
            _roster_import(settings, args.file, args.invites_out, args.bot_username)
        )
    if args.command in ("jobs", "outbox"):
        from bot.cli_jobs import run_jobs_command

        return asyncio.run(run_jobs_command(settings, args))
    if args.command == "program":
        from bot.cli_programmes import run_program_command

        return asyncio.run(run_program_command(settings, args))
    if args.command == "playground":
        from bot.playground import run_playground

        return asyncio.run(run_playground(settings, db_path=args.db, script=args.script))
    return 2


async def _migrate(settings: Settings) -> int:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print(plain(settings.pembina_language, "cli.migrated", url=settings.database_url))
    return 0


async def _run(settings: Settings) -> int:
    from bot.app import build_application, run_until_stopped

    lang = settings.pembina_language
    if settings.token is None:
        print(plain(lang, "cli.no_token"), file=sys.stderr)
        return 2
    await _migrate(settings)
    app = build_application(settings, settings.token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.bot.initialize()
    except InvalidToken:
        print(plain(lang, "cli.token_rejected"), file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(
            plain(lang, "cli.network_error", url=settings.telegram_api_base_url, reason=exc),
            file=sys.stderr,
        )
        return 2
    print(plain(lang, "cli.starting", username=app.bot.username), flush=True)
    await run_until_stopped(app, stop)
    return 0


async def _bot_username(settings: Settings, given: str | None) -> str:
    if given:
        return given.lstrip("@")
    if settings.token is None:
        return ""
    async with Bot(settings.token, base_url=settings.telegram_api_base_url) as bot:
        return bot.username


async def _roster_import(
    settings: Settings, path: Path, invites_out: Path, username: str | None
) -> int:
    from bot.app import operator_services
    from bot.flows.roster_import import import_roster, invites_csv, validate_roster

    lang = settings.pembina_language
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(plain(lang, "cli.file_unreadable", path=path, reason=exc), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        parsed = await validate_roster(svc, text)
        if parsed.errors:
            print(plain(lang, "cli.roster_rejected", count=len(parsed.errors)), file=sys.stderr)
            for error in parsed.errors:
                reason = plain(lang, f"roster.error.{error.key}", **error.values)
                print(
                    plain(lang, "cli.roster_line", line=error.line, reason=reason), file=sys.stderr
                )
            return 1
        report = await import_roster(svc, parsed)
    print(
        plain(
            lang,
            "cli.roster_done",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            joined=report.already_joined,
        )
    )
    bot_username = await _bot_username(settings, username)
    await asyncio.to_thread(
        invites_out.write_text, invites_csv(report, bot_username), encoding="utf-8"
    )
    print(plain(lang, "cli.invites_written", count=len(report.invites), path=invites_out))
    if not bot_username:
        print(plain(lang, "cli.no_username"))
    return 0
