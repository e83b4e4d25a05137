"""``pembina program create | list | match``: programme work for operators and scripts."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from datetime import date
from pathlib import Path

from bot.app import operator_services
from bot.config import Settings
from bot.flows import pairing, programmes
from bot.flows.matching import UnitRule
from bot.flows.programmes import NewProgramme
from bot.flows.services import Services
from bot.flows.weeks import WEEKDAYS
from bot.i18n import plain


def _problem(lang: str, key: str, **values: str) -> str:
    return plain(
        lang, "cli.program.problem_line", reason=plain(lang, f"programme.problem.{key}", **values)
    )


async def _read_nips(path: Path, lang: str) -> tuple[list[str], list[str]]:
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [_problem(lang, "members_file", reason=str(exc))]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if "nip" not in [h.strip().lower() for h in reader.fieldnames or []]:
        return [], [_problem(lang, "members_column")]
    reader.fieldnames = [h.strip().lower() for h in reader.fieldnames or []]
    return [row["nip"] for row in reader if (row.get("nip") or "").strip()], []


def _parse_date(value: str, lang: str, errors: list[str]) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_problem(lang, "date_format", value=value))
        return date.min


async def _create(svc: Services, args: argparse.Namespace, lang: str) -> int:
    errors: list[str] = []
    starts = _parse_date(args.start, lang, errors)
    ends = _parse_date(args.end, lang, errors)
    weekday = WEEKDAYS.get(args.reflection_day.strip().lower())
    if weekday is None:
        errors.append(_problem(lang, "weekday_name", value=args.reflection_day))
    nips, file_errors = await _read_nips(args.members, lang)
    errors += file_errors
    if not errors:
        created = await programmes.create(
            svc,
            NewProgramme(
                name=args.name,
                kind=args.kind,
                starts_on=starts,
                ends_on=ends,
                reflection_weekday=weekday or 0,
                member_nips=tuple(nips),
                unit_rule=UnitRule(args.unit_rule),
            ),
        )
        errors += [_problem(lang, key, **values) for key, values in created.problems]
        if created.programme is not None:
            print(
                plain(
                    lang,
                    "cli.program.created",
                    name=created.programme.name,
                    mentees=created.mentees,
                    mentors=created.mentors,
                )
            )
            return 0
    print(plain(lang, "cli.program.rejected"), file=sys.stderr)
    for line in errors:
        print(line, file=sys.stderr)
    return 1


async def _list(svc: Services, lang: str) -> int:
    found = await programmes.summaries(svc)
    if not found:
        print(plain(lang, "cli.program.none"))
    for item in found:
        p = item.programme
        print(
            plain(
                lang,
                "cli.program.list_line",
                name=p.name,
                kind=plain(lang, f"programme.kind.{p.kind}"),
                starts=p.starts_on,
                ends=p.ends_on,
                weekday=plain(lang, f"weekday.{p.reflection_weekday}"),
                mentees=item.mentees,
                mentors=item.mentors,
                paired=item.paired,
            )
        )
    return 0


async def _match(svc: Services, name: str, apply: bool, lang: str) -> int:
    programme = await programmes.by_name(svc, name)
    if programme is None:
        print(plain(lang, "cli.program.unknown", name=name), file=sys.stderr)
        return 1
    plan = await (
        pairing.apply(svc, None, programme) if apply else pairing.plan_for(svc, programme)
    )
    assert plan is not None
    print(plain(lang, "cli.program.plan_header", name=programme.name, count=len(plan.proposals)))
    for proposal in plan.proposals:
        reasons = ", ".join(plain(lang, f"match.reason.{r}") for r in proposal.reasons)
        print(
            plain(
                lang,
                "cli.program.plan_line",
                mentee=plan.people[proposal.mentee_id].name,
                mentor=plan.people[proposal.mentor_id].name,
                reasons=reasons,
            )
        )
    for left in plan.unmatched:
        print(
            plain(
                lang,
                "cli.program.unmatched_line",
                mentee=plan.people[left.mentee_id].name,
                reason=plain(lang, f"match.unmatched.{left.reason}"),
            )
        )
    print(
        plain(lang, "cli.program.applied", count=len(plan.proposals) - len(plan.waiting))
        if apply
        else plain(lang, "cli.program.dry_run")
    )
    for waiting in plan.waiting:
        names = {"mentor": plan.people[waiting.mentor_id].name}
        print(plain(lang, "cli.program.waiting", **names))
    return 0


async def _by_hand(svc: Services, args: argparse.Namespace, lang: str) -> int:
    programme = await programmes.by_name(svc, args.name)
    if programme is None:
        print(plain(lang, "cli.program.unknown", name=args.name), file=sys.stderr)
        return 1
    if args.program_command == "pair":
        outcome = await pairing.pair_by_hand(svc, None, programme, args.mentee, args.mentor)
    else:
        outcome = await pairing.end_for_mentee(svc, None, programme, args.mentee)
    ok = outcome in (pairing.ByHand.OFFERED, pairing.ByHand.WAITING, pairing.ByHand.ENDED)
    print(
        plain(lang, f"cli.program.by_hand_{outcome.value}"), file=sys.stdout if ok else sys.stderr
    )
    return 0 if ok else 1


async def _questions(svc: Services, args: argparse.Namespace, lang: str) -> int:
    programme = await programmes.by_name(svc, args.name)
    if programme is None:
        print(plain(lang, "cli.program.unknown", name=args.name), file=sys.stderr)
        return 1
    for path, change in (
        (args.questions, programmes.set_questions),
        (args.milestones, programmes.set_milestones),
    ):
        if path is None:
            continue
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        outcome = await change(svc, programme, text.splitlines())
        if outcome is not programmes.Edited.DONE:
            print(plain(lang, f"cli.program.edit_{outcome.value}"), file=sys.stderr)
            return 1
    programme = await programmes.by_name(svc, args.name)
    assert programme is not None
    print(plain(lang, "cli.program.questions_header", name=programme.name))
    for number, question in enumerate(programme.questions, 1):
        shown = plain(lang, question["key"]) if "key" in question else question.get("text", "")
        print(f"  {number}. {shown}")
    print(plain(lang, "cli.program.milestones_header"))
    for milestone in await programmes.milestones(svc, programme):
        title = milestone.title
        shown = plain(lang, title[1:]) if title.startswith("@") else title
        print(f"  {milestone.due_on or '-'}  {shown}")
    return 0


async def run_program_command(settings: Settings, args: argparse.Namespace) -> int:
    lang = settings.pembina_language
    async with operator_services(settings) as svc:
        if args.program_command == "create":
            return await _create(svc, args, lang)
        if args.program_command == "list":
            return await _list(svc, lang)
        if args.program_command == "questions":
            return await _questions(svc, args, lang)
        if args.program_command in ("pair", "unpair"):
            return await _by_hand(svc, args, lang)
        return await _match(svc, args.name, args.apply, lang)
