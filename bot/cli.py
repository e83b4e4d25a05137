"""The command line: ``pembina run | migrate | roster import | playground``.

Errors a person can fix (a bad setting, a missing file, a rejected token) end with one clear
line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import re
import signal
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot import event_loop
from bot.clock import Clock
from bot.config import Settings, SettingsError, cli_language, load_settings
from bot.i18n import DEFAULT_LANGUAGE, plain

if TYPE_CHECKING:
    from bot.webhook import WebhookConfig

log = logging.getLogger("pembina")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter with its own words ("usage: ") in the operator's language."""

    def __init__(self, prog: str, *, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(prog)
        self.language = language

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        if prefix is None:  # argparse passes "" when it builds a subcommand's prog
            prefix = plain(self.language, "cli.help.usage")
        super().add_usage(usage, actions, groups, prefix)


class _Parser(argparse.ArgumentParser):
    """A parser whose help, section titles and error prefix follow PEMBINA_LANGUAGE, like
    everything else the command line prints (subcommand parsers inherit the language)."""

    language = DEFAULT_LANGUAGE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        language = self.language
        kwargs["formatter_class"] = functools.partial(_Formatter, language=language)
        kwargs["add_help"] = False  # our own -h below, with its help in the language
        super().__init__(*args, **kwargs)
        self._positionals.title = plain(language, "cli.help.positionals")
        self._optionals.title = plain(language, "cli.help.options")
        self.add_argument("-h", "--help", action="help", help=plain(language, "cli.help.help"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        prefix = plain(self.language, "cli.help.error", prog=self.prog)
        self.exit(2, f"{prefix} {_worded(self.language, message)}\n")


# argparse's own error messages (English whatever the language), worded from the catalogue.
_ARGPARSE_ERRORS = (
    (r"argument (?P<argument>.+?): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
     "arg_invalid_choice"),
    (r"argument (?P<argument>.+?): invalid \S+ value: (?P<value>.+)", "arg_invalid_value"),
    (r"argument (?P<argument>.+?): expected one argument", "arg_expected_one"),
    (r"the following arguments are required: (?P<names>.+)", "arg_required"),
    (r"unrecognized arguments: (?P<names>.+)", "arg_unrecognized"),
)  # fmt: skip


def _worded(language: str, message: str) -> str:
    """argparse's ``message`` in ``language``; one it words otherwise (another Python's
    argparse) is shown as it is."""
    for pattern, key in _ARGPARSE_ERRORS:
        found = re.fullmatch(pattern, message)
        if found:
            return plain(language, f"cli.help.{key}", **found.groupdict())
    return message


def _version() -> str:
    try:
        return metadata.version("pembina")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _year(text: str) -> int:
    """A calendar year for ``--year`` (argparse reports anything else as invalid)."""
    if not (text.isdigit() and len(text) == 4):
        raise ValueError(text)
    return int(text)


def _parser(lang: str) -> argparse.ArgumentParser:
    def h(key: str) -> str:
        return plain(lang, f"cli.help.{key}")

    parser_class = type("Parser", (_Parser,), {"language": lang})
    parser = parser_class(prog="pembina", description=h("description"))
    parser.add_argument(
        "--version", action="version", version=f"pembina {_version()}", help=h("version")
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar=h("command_metavar"))
    run = sub.add_parser("run", help=h("run"), description=h("run"))
    run.add_argument("--no-migrate", action="store_true", help=h("no_migrate"))
    run.add_argument("--webhook", metavar="URL", default=None, help=h("webhook"))
    sub.add_parser("migrate", help=h("migrate"), description=h("migrate"))
    roster = sub.add_parser("roster", help=h("roster"), description=h("roster"))
    roster_sub = roster.add_subparsers(
        dest="roster_command", required=True, metavar=h("action_metavar")
    )
    imp = roster_sub.add_parser(
        "import", help=h("roster_import"), description=h("roster_import_description")
    )
    imp.add_argument("file", type=Path, help=h("roster_file"))
    imp.add_argument(
        "--invites-out", type=Path, default=Path("invites.csv"), help=h("invites_out")
    )
    imp.add_argument("--bot-username", default=None, help=h("bot_username"))
    _program_parser(sub, lang)
    jobs = sub.add_parser("jobs", help=h("jobs"), description=h("jobs"))
    jobs_actions = jobs.add_subparsers(
        dest="jobs_command", required=True, metavar=h("action_metavar")
    )
    tick = jobs_actions.add_parser("tick", help=h("jobs_tick"), description=h("jobs_tick"))
    tick.add_argument("--at", default=None, help=h("at"))
    outbox_cmd = sub.add_parser("outbox", help=h("outbox"), description=h("outbox"))
    outbox_actions = outbox_cmd.add_subparsers(
        dest="outbox_command", required=True, metavar=h("action_metavar")
    )
    outbox_actions.add_parser("status", help=h("outbox_status"), description=h("outbox_status"))
    export = sub.add_parser("export", help=h("export"), description=h("export"))
    export_actions = export.add_subparsers(
        dest="export_command", required=True, metavar=h("action_metavar")
    )
    ledger = export_actions.add_parser(
        "ledger", help=h("export_ledger"), description=h("export_ledger")
    )
    ledger.add_argument("--year", type=_year, default=None, help=h("year"))
    ledger.add_argument("--out", type=Path, required=True, help=h("out"))
    report = export_actions.add_parser(
        "report", help=h("export_report"), description=h("export_report")
    )
    report.add_argument("--programme", required=True, help=h("programme_name"))
    report.add_argument("--out", type=Path, required=True, help=h("out_report"))
    card = export_actions.add_parser(
        "record", help=h("export_record"), description=h("export_record")
    )
    card.add_argument("--nip", required=True, help=h("nip"))
    card.add_argument("--programme", default=None, help=h("programme"))
    card.add_argument("--out", type=Path, required=True, help=h("out"))
    play = sub.add_parser("playground", help=h("playground"), description=h("playground"))
    play.add_argument("--db", type=Path, default=None, help=h("playground_db"))
    play.add_argument("--script", type=Path, default=None, help=h("playground_script"))
    play.add_argument("--files", type=Path, default=None, help=h("playground_files"))
    return parser


def _program_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], lang: str) -> None:
    def h(key: str) -> str:
        return plain(lang, f"cli.help.{key}")

    program = sub.add_parser("program", help=h("program"), description=h("program"))
    actions = program.add_subparsers(
        dest="program_command", required=True, metavar=h("action_metavar")
    )
    create = actions.add_parser(
        "create", help=h("program_create"), description=h("program_create")
    )
    create.add_argument("--name", required=True, help=h("name"))
    create.add_argument(
        "--kind", required=True, choices=["latsar", "perubahan", "umum"], help=h("kind")
    )
    create.add_argument("--start", required=True, help=h("start"))
    create.add_argument("--end", required=True, help=h("end"))
    create.add_argument("--reflection-day", required=True, help=h("reflection_day"))
    create.add_argument("--members", required=True, type=Path, help=h("members"))
    create.add_argument(
        "--unit-rule", choices=["any", "same", "different"], default="any", help=h("unit_rule")
    )
    actions.add_parser("list", help=h("program_list"), description=h("program_list"))
    match = actions.add_parser("match", help=h("program_match"), description=h("program_match"))
    match.add_argument("name", help=h("programme_name"))
    match.add_argument("--apply", action="store_true", help=h("apply"))
    pair = actions.add_parser("pair", help=h("program_pair"), description=h("program_pair"))
    pair.add_argument("name", help=h("programme_name"))
    pair.add_argument("--mentee", required=True, help=h("mentee_nip"))
    pair.add_argument("--mentor", required=True, help=h("mentor_nip"))
    questions = actions.add_parser(
        "questions", help=h("program_questions"), description=h("program_questions")
    )
    questions.add_argument("name", help=h("programme_name"))
    questions.add_argument("--questions", type=Path, default=None, help=h("questions_file"))
    questions.add_argument("--milestones", type=Path, default=None, help=h("milestones_file"))
    unpair = actions.add_parser(
        "unpair", help=h("program_unpair"), description=h("program_unpair")
    )
    unpair.add_argument("name", help=h("programme_name"))
    unpair.add_argument("--mentee", required=True, help=h("mentee_nip"))


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """The ``pembina`` command. A reader that stops early (``pembina ... | head -1``) closes
    the pipe: that ends the command quietly, as for any Unix tool, not with a traceback.
    ``clock`` is for tests that run real ``pembina run`` processes at a chosen instant."""
    try:
        code = _main(argv, clock)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would flush stdout again at exit and complain; point it at nothing instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)
    return code


def _main(argv: Sequence[str] | None, clock: Clock | None = None) -> int:
    args = _parser(cli_language()).parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc.text(cli_language()), file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.pembina_log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "alembic", "apscheduler", "fontTools"):  # fpdf2 subsets fonts loudly
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command in DATABASE_COMMANDS:
        problem = event_loop.run(
            _database_problem(settings.database_url, settings.pembina_language)
        )
        if problem is not None:
            print(
                plain(
                    settings.pembina_language,
                    "cli.database_unreachable",
                    url=shown_url(settings.database_url),
                    reason=problem,
                ),
                file=sys.stderr,
            )
            return 2
    if args.command == "migrate":
        return event_loop.run(_migrate(settings))
    if args.command == "run":
        migrate = settings.pembina_migrate_on_start and not args.no_migrate
        return event_loop.run(_run(settings, args.webhook, migrate=migrate, clock=clock))
    if args.command == "roster":
        return event_loop.run(
            _roster_import(settings, args.file, args.invites_out, args.bot_username)
        )
    if args.command in ("jobs", "outbox"):
        from bot.cli_jobs import run_jobs_command

        return event_loop.run(run_jobs_command(settings, args))
    if args.command == "program":
        from bot.cli_programmes import run_program_command

        return event_loop.run(run_program_command(settings, args))
    if args.command == "export":
        from bot.cli_export import run_export_command

        return event_loop.run(run_export_command(settings, args))
    if args.command == "playground":
        from bot.playground import run_playground

        return event_loop.run(
            run_playground(settings, db_path=args.db, script=args.script, files=args.files)
        )
    return 2


DATABASE_COMMANDS = frozenset({"migrate", "run", "roster", "jobs", "outbox", "program", "export"})
PROBE_SECONDS = 15


def shown_url(url: str) -> str:
    """The database URL with its password masked, fit for a terminal or a log."""
    return make_url(url).render_as_string(hide_password=True)


def _one_line(exc: BaseException) -> str:
    """The driver's own reason (not SQLAlchemy's wrapping with SQL and links), one line."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]


async def _database_problem(url: str, lang: str) -> str | None:
    """Why the database cannot be opened, in one line; None when it answers.

    Asked once before a command uses the database, so an unreachable server, a wrong
    password or a path in a missing folder is one clear line instead of a long traceback.
    """
    from sqlalchemy import text

    from storage.db import Database

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return await asyncio.to_thread(_sqlite_problem, parsed.database)
    db = Database(url)
    try:
        async with asyncio.timeout(PROBE_SECONDS), db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return plain(lang, "cli.database_no_answer", seconds=PROBE_SECONDS)
    except Exception as exc:  # any failure to connect is reported in one line, not raised
        return _one_line(exc)
    finally:
        await db.dispose()
    return None


def _sqlite_problem(path: str) -> str | None:
    """Why an SQLite file cannot be opened, asked with the plain sqlite3 module.

    Not through aiosqlite: a failed aiosqlite connect leaves its worker thread to finish
    after ``asyncio.run`` has closed the loop, and that thread then prints a traceback
    under the one clear line (seen in CI).
    """
    import sqlite3

    try:
        sqlite3.connect(path).close()
    except sqlite3.Error as exc:
        return _one_line(exc)
    return None


async def _migrate(settings: Settings) -> int:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print(plain(settings.pembina_language, "cli.migrated", url=shown_url(settings.database_url)))
    return 0


async def _schema_behind(settings: Settings) -> int:
    """How many migrations the database lacks (``run`` told not to migrate asks first)."""
    from storage.db import Database
    from storage.migrate import pending

    db = Database(settings.database_url)
    try:
        return len(await pending(db))
    finally:
        await db.dispose()


def _webhook_config(settings: Settings, url: str) -> WebhookConfig | str:
    """The webhook's settings, or the catalogue key of why webhook mode cannot start."""
    from bot.webhook import WebhookConfig

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "cli.webhook_url"
    if settings.webhook_secret is None:
        return "cli.webhook_no_secret"
    return WebhookConfig(
        url=url,
        secret_token=settings.webhook_secret,
        listen=settings.pembina_webhook_listen,
        port=settings.pembina_webhook_port,
        max_connections=settings.pembina_webhook_max_connections,
    )


async def _run(
    settings: Settings,
    webhook_url: str | None = None,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
) -> int:
    """Migrate (unless told not to: then a schema that is behind is refused), then run by
    long polling or, given ``webhook_url``, as a webhook worker."""
    from bot.app import build_application, run_until_stopped
    from bot.webhook import WebhookRefused

    lang = settings.pembina_language
    if settings.token is None:
        print(plain(lang, "cli.no_token"), file=sys.stderr)
        return 2
    webhook: WebhookConfig | None = None
    if webhook_url is not None:
        config = _webhook_config(settings, webhook_url)
        if isinstance(config, str):
            print(plain(lang, config, url=webhook_url), file=sys.stderr)
            return 2
        webhook = config
    if migrate:
        await _migrate(settings)
    elif missing := await _schema_behind(settings):
        print(plain(lang, "cli.schema_behind", count=missing), file=sys.stderr)
        return 2
    app = build_application(settings, settings.token, clock=clock)
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

    def announce(key: str) -> None:  # leadership changes, for the operator watching
        print(plain(lang, key), flush=True)

    def started() -> None:
        """Said once updates can arrive (a webhook that cannot start says why instead)."""
        if webhook is None:
            print(plain(lang, "cli.starting", username=app.bot.username), flush=True)
            return
        print(
            plain(
                lang,
                "cli.webhook_starting",
                username=app.bot.username,
                url=webhook.url,
                listen=webhook.listen,
                port=webhook.port,
            ),
            flush=True,
        )

    try:
        await run_until_stopped(app, stop, announce=announce, webhook=webhook, started=started)
    except WebhookRefused as exc:
        assert webhook is not None
        print(
            plain(
                lang,
                exc.key,
                url=webhook.url,
                listen=webhook.listen,
                port=webhook.port,
                reason=exc.reason,
            ),
            file=sys.stderr,
        )
        return 2
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
    from bot.flows.roster import hints
    from bot.flows.roster_import import import_roster, invites_csv, validate_roster

    lang = settings.pembina_language
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(plain(lang, "cli.file_unreadable", path=path, reason=exc), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        parsed = await validate_roster(svc, data, path.name)
        if parsed.errors:
            print(plain(lang, "cli.roster_rejected", count=len(parsed.errors)), file=sys.stderr)
            for error in parsed.errors:
                reason = plain(lang, f"roster.error.{error.key}", **error.values)
                print(
                    plain(lang, "cli.roster_line", line=error.line, reason=reason), file=sys.stderr
                )
            for hint in hints(parsed.errors):
                print(plain(lang, hint), file=sys.stderr)
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
