"""Automatic matching: capacity, self, rules, past pairs, even load, determinism, reasons."""

from __future__ import annotations

import random

from bot.flows.matching import MenteeNeed, MentorSlot, Rules, UnitRule, propose


def _mentees(n: int, unit: str = "A", first: int = 100) -> list[MenteeNeed]:
    return [MenteeNeed(first + i, unit, None) for i in range(n)]


def test_capacity_is_never_exceeded_and_load_spreads() -> None:
    mentors = [MentorSlot(1, "A", 3, 0), MentorSlot(2, "A", 3, 2), MentorSlot(3, "A", 1, 0)]
    pairs, unmatched = propose(_mentees(8), mentors, Rules())
    per_mentor = {m: sum(p.mentor_id == m for p in pairs) for m in (1, 2, 3)}
    assert per_mentor == {1: 3, 2: 1, 3: 1}  # 3 + (3-2) + 1 = 5 places
    assert [u.mentee_id for u in unmatched] == [105, 106, 107]
    assert {u.reason for u in unmatched} == {"no_capacity"}
    # Spread: the first picks alternate between the least-loaded mentors.
    assert [p.mentor_id for p in pairs[:3]] == [1, 3, 1]


def test_never_self_and_no_mentor_reason() -> None:
    pairs, unmatched = propose([MenteeNeed(1, "A", None)], [MentorSlot(1, "A", 3, 0)], Rules())
    assert pairs == []
    assert unmatched[0].reason == "no_mentor"


def test_supervisor_first_for_latsar() -> None:
    mentors = [MentorSlot(1, "A", 3, 0), MentorSlot(9, "B", 3, 2)]
    pairs, _ = propose([MenteeNeed(100, "A", 9)], mentors, Rules(supervisor_first=True))
    assert pairs[0].mentor_id == 9
    assert "supervisor" in pairs[0].reasons


def test_unit_rules() -> None:
    mentors = [MentorSlot(1, "Mutasi", 3, 0), MentorSlot(2, "Diklat", 3, 0)]
    mentee = [MenteeNeed(100, "diklat", None)]
    same, _ = propose(mentee, mentors, Rules(unit=UnitRule.SAME))
    different, _ = propose(mentee, mentors, Rules(unit=UnitRule.DIFFERENT))
    assert (same[0].mentor_id, same[0].reasons[0]) == (2, "same_unit")
    assert (different[0].mentor_id, different[0].reasons[0]) == (1, "different_unit")
    # A rule that cannot be met is a preference, not a wall: the pair is made and says so.
    only, _ = propose(mentee, [MentorSlot(1, "Mutasi", 3, 0)], Rules(unit=UnitRule.SAME))
    assert only[0].reasons[0] == "no_same_unit"


def test_past_pairs_are_avoided_when_possible() -> None:
    mentors = [MentorSlot(1, "A", 3, 0), MentorSlot(2, "A", 3, 1)]
    pairs, _ = propose(_mentees(1), mentors, Rules(), past_pairs=frozenset({(1, 100)}))
    assert pairs[0].mentor_id == 2
    assert "new_pair" in pairs[0].reasons
    forced, _ = propose(_mentees(1), mentors[:1], Rules(), past_pairs=frozenset({(1, 100)}))
    assert "repeat_pair" in forced[0].reasons


def test_deterministic_whatever_the_input_order() -> None:
    mentors = [MentorSlot(i, "AB"[i % 2], 2, i % 2) for i in range(1, 6)]
    mentees = [MenteeNeed(100 + i, "AB"[i % 3 % 2], None) for i in range(12)]
    expected = propose(mentees, mentors, Rules(unit=UnitRule.SAME))
    for seed in range(5):
        rng = random.Random(seed)
        shuffled_mentees, shuffled_mentors = mentees[:], mentors[:]
        rng.shuffle(shuffled_mentees)
        rng.shuffle(shuffled_mentors)
        assert propose(shuffled_mentees, shuffled_mentors, Rules(unit=UnitRule.SAME)) == expected


def test_roster_mentor_comes_first() -> None:
    mentors = [MentorSlot(1, "A", 3, 0), MentorSlot(2, "A", 3, 2)]
    pairs, _ = propose(
        [MenteeNeed(100, "A", 1, roster_mentor_id=2)], mentors, Rules(supervisor_first=True)
    )
    assert pairs[0].mentor_id == 2
    assert pairs[0].reasons[0] == "roster_mentor"


def test_a_full_mentor_in_the_unit_is_called_full_not_missing() -> None:
    mentee = [MenteeNeed(100, "Diklat", None)]
    full = [MentorSlot(1, "Mutasi", 3, 0), MentorSlot(2, "Diklat", 1, 1)]
    pairs, _ = propose(mentee, full, Rules(unit=UnitRule.SAME))
    assert (pairs[0].mentor_id, pairs[0].reasons[0]) == (1, "same_unit_full")
    other, _ = propose(mentee, full, Rules(unit=UnitRule.DIFFERENT))
    assert other[0].reasons[0] == "different_unit"
