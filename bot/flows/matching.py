"""Proposing mentor–mentee pairs for a programme: a pure, deterministic function.

Hard rules: a mentor never gets more mentees than their capacity (counting pairs they
already carry in any programme), and nobody is paired with themself. Soft rules, in order:
the mentor the roster names for the mentee, the mentee's direct supervisor (``latsar``),
the coordinator's unit rule (same unit or a different one), no repeat of a past pair, then
the lightest load, then the lower id (so the same input always gives the same answer).
Every pair carries the reasons it was chosen; every mentee left out carries why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class UnitRule(StrEnum):
    ANY = "any"
    SAME = "same"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class MentorSlot:
    person_id: int
    unit: str | None
    capacity: int
    load: int  # mentees already carried (offered or active pairs, any programme)


@dataclass(frozen=True, slots=True)
class MenteeNeed:
    person_id: int
    unit: str | None
    supervisor_id: int | None
    roster_mentor_id: int | None = None  # the mentor the roster names for this person


@dataclass(frozen=True, slots=True)
class Rules:
    unit: UnitRule = UnitRule.ANY
    supervisor_first: bool = False
    avoid_past_pairs: bool = True


@dataclass(frozen=True, slots=True)
class Proposal:
    mentee_id: int
    mentor_id: int
    reasons: tuple[str, ...]  # catalogue keys under ``match.reason.``


@dataclass(frozen=True, slots=True)
class Unmatched:
    mentee_id: int
    reason: str  # catalogue key under ``match.unmatched.``


def _unit_ok(rule: UnitRule, mentee: MenteeNeed, mentor: MentorSlot) -> bool:
    if rule is UnitRule.ANY or not mentee.unit or not mentor.unit:
        return rule is UnitRule.ANY
    same = mentee.unit.strip().lower() == mentor.unit.strip().lower()
    return same if rule is UnitRule.SAME else not same


def propose(
    mentees: Iterable[MenteeNeed],
    mentors: Iterable[MentorSlot],
    rules: Rules,
    past_pairs: frozenset[tuple[int, int]] = frozenset(),
    excluded: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[list[Proposal], list[Unmatched]]:
    """Pairs for ``mentees`` (those still without a mentor), and who could not be placed.

    ``excluded`` (mentor, mentee) pairs are never proposed: a mentor who declined a mentee
    is not asked again.
    """
    slots = sorted(mentors, key=lambda m: m.person_id)
    load = {m.person_id: m.load for m in slots}
    proposals: list[Proposal] = []
    unmatched: list[Unmatched] = []
    for mentee in sorted(mentees, key=lambda m: m.person_id):
        others = [
            m
            for m in slots
            if m.person_id != mentee.person_id and (m.person_id, mentee.person_id) not in excluded
        ]
        open_slots = [m for m in others if load[m.person_id] < m.capacity]
        if not open_slots:
            unmatched.append(Unmatched(mentee.person_id, "no_capacity" if others else "no_mentor"))
            continue

        def score(mentor: MentorSlot, mentee: MenteeNeed = mentee) -> tuple[int, ...]:
            supervisor = rules.supervisor_first and mentee.supervisor_id == mentor.person_id
            repeat = rules.avoid_past_pairs and (mentor.person_id, mentee.person_id) in past_pairs
            return (
                0 if mentee.roster_mentor_id == mentor.person_id else 1,
                0 if supervisor else 1,
                0 if _unit_ok(rules.unit, mentee, mentor) else 1,
                1 if repeat else 0,
                load[mentor.person_id],
                mentor.person_id,
            )

        chosen = min(open_slots, key=score)
        proposals.append(
            Proposal(
                mentee.person_id,
                chosen.person_id,
                _reasons(rules, mentee, chosen, past_pairs, load, open_slots, others),
            )
        )
        load[chosen.person_id] += 1
    return proposals, unmatched


def _unit_reason(
    rule: UnitRule, mentee: MenteeNeed, mentor: MentorSlot, others: list[MentorSlot]
) -> str:
    """Why the unit rule was or was not met: a mentor who fits the rule but is full is
    not the same as no such mentor at all, and the coordinator acts differently on each
    (raise a capacity, or recruit)."""
    if _unit_ok(rule, mentee, mentor):
        return f"{rule.value}_unit"
    if any(_unit_ok(rule, mentee, m) for m in others):
        return f"{rule.value}_unit_full"
    return f"no_{rule.value}_unit"


def _reasons(
    rules: Rules,
    mentee: MenteeNeed,
    mentor: MentorSlot,
    past_pairs: frozenset[tuple[int, int]],
    load: dict[int, int],
    open_slots: list[MentorSlot],
    others: list[MentorSlot],
) -> tuple[str, ...]:
    reasons: list[str] = []
    if mentee.roster_mentor_id == mentor.person_id:
        reasons.append("roster_mentor")
    if rules.supervisor_first and mentee.supervisor_id == mentor.person_id:
        reasons.append("supervisor")
    if rules.unit is not UnitRule.ANY:
        reasons.append(_unit_reason(rules.unit, mentee, mentor, others))
    if (mentor.person_id, mentee.person_id) in past_pairs:
        reasons.append("repeat_pair")
    elif rules.avoid_past_pairs and past_pairs:
        reasons.append("new_pair")
    if load[mentor.person_id] == min(load[m.person_id] for m in open_slots):
        reasons.append("lightest_load")
    return tuple(reasons) or ("available",)
