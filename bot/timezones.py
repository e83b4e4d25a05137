"""Indonesia's three time zones, by the names people use (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Label -> the IANA zone we store. Asia/Pontianak is WIB too and is accepted on input.
ZONES: dict[str, str] = {
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}
_ALIASES: dict[str, str] = {
    **{label.lower(): zone for label, zone in ZONES.items()},
    **{zone.lower(): zone for zone in ZONES.values()},
    "asia/pontianak": "Asia/Pontianak",
    "asia/ujung_pandang": "Asia/Makassar",
}
# Every zone a person can have stored (scans that go zone by zone use these).
STORED_ZONES: tuple[str, ...] = tuple(sorted(set(_ALIASES.values())))
_LABELS: dict[str, str] = {zone: label for label, zone in ZONES.items()} | {
    "Asia/Pontianak": "WIB"
}


def normalise(value: str) -> str | None:
    """The IANA zone for ``WIB``/``Asia/Jakarta``/... (any case), or None if not Indonesian."""
    return _ALIASES.get(value.strip().lower())


def label(zone: str) -> str:
    """``WIB``/``WITA``/``WIT`` for a stored zone (the zone itself if it is not Indonesian)."""
    return _LABELS.get(zone, zone)


def local(at: datetime, zone: str) -> datetime:
    """An instant as the person's wall clock shows it."""
    return at.astimezone(ZoneInfo(zone))
