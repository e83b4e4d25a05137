"""Validation of the NIP (Nomor Induk Pegawai), the 18-digit civil-servant number.

Layout: ``YYYYMMDD`` birth date, ``YYYYMM`` appointment (TMT CPNS), one digit for sex, three
for the sequence. We check what can be checked without the BKN register: the length, digits
only, a real birth date and a real appointment year-month that is not before the birth.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

NIP_DIGITS = 18


class NipProblem(StrEnum):
    """Why a NIP is rejected; each value is a catalogue key suffix (``nip.<value>``)."""

    LENGTH = "length"
    DIGITS = "digits"
    BIRTH_DATE = "birth_date"
    APPOINTMENT = "appointment"


def clean_nip(raw: str) -> str:
    """People type NIPs with spaces or dots in groups (``19850312 201001 1 003``)."""
    return "".join(ch for ch in raw.strip() if ch not in " .-")


def nip_problem(nip: str) -> NipProblem | None:
    """None for a plausible NIP, else the first problem found."""
    if not nip.isascii() or not nip.isdigit():
        return NipProblem.DIGITS if len(nip) == 18 else NipProblem.LENGTH
    if len(nip) != 18:
        return NipProblem.LENGTH
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return NipProblem.BIRTH_DATE
    if born.year < 1900:
        return NipProblem.BIRTH_DATE
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12 or year < 1900 or (year, month) < (born.year, born.month):
        return NipProblem.APPOINTMENT
    return None
