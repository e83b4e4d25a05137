"""NIP validation and callback data encoding (pure functions)."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.flows.nip import NipProblem, clean_nip, nip_problem


@pytest.mark.parametrize(
    ("nip", "problem"),
    [
        ("199503172020121005", None),
        ("19950317 202012 1 005", None),
        ("1995031720201210", NipProblem.LENGTH),
        ("19950317202012100X", NipProblem.DIGITS),
        ("١٩٩٥٠٣١٧٢٠٢٠١٢١٠٠٥", NipProblem.DIGITS),  # Arabic-Indic digits are not ASCII
        ("199502302020121005", NipProblem.BIRTH_DATE),  # 30 February
        ("189912312020121005", NipProblem.BIRTH_DATE),
        ("199503172020131005", NipProblem.APPOINTMENT),  # month 13
        ("199503171990011005", NipProblem.APPOINTMENT),  # appointed before birth
    ],
)
def test_nip_problem(nip: str, problem: NipProblem | None) -> None:
    assert nip_problem(clean_nip(nip)) == problem


def test_callback_round_trip_and_limits() -> None:
    data = callbacks.encode("jr", "ok", 12, "mentee")
    decoded = callbacks.decode(data)
    assert decoded is not None
    assert (decoded.kind, decoded.fields, decoded.int_field(1)) == (
        "jr",
        ("ok", "12", "mentee"),
        12,
    )
    with pytest.raises(ValueError, match="over 64 bytes"):
        callbacks.encode("x", *(["abcdefghij"] * 7))
    with pytest.raises(ValueError, match="plain ASCII"):
        callbacks.encode("x", "a:b")


@pytest.mark.parametrize("forged", [None, "", "jr:ok:<script>", "x" * 65, "jr::1", "é:1"])
def test_forged_callback_data_is_rejected(forged: str | None) -> None:
    assert callbacks.decode(forged) is None
