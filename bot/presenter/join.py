"""Join-request notices: the request to coordinators (with decision buttons) and the
decision to the applicant; and the notice that someone cannot be reached any more."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.flows.registration import ROLES_ON_APPROVAL
from bot.i18n import Html, plain, t
from bot.presenter.base import Params, Part, notice, worded

worded(
    "reach.blocked",
    "reach.deactivated",
    "reach.not_found",
    "unlink.told_account",
    "unlink.invite_taken_coordinator",
)


def decision_buttons(language: str, request_id: int) -> Keyboard:
    """Approve-as-role and reject buttons for a coordinator."""
    approve = [
        Button(
            t(language, f"join.approve_as.{role}"), callbacks.encode("jr", "ok", request_id, role)
        )
        for role in ROLES_ON_APPROVAL
    ]
    return [
        approve,
        [Button(t(language, "join.reject"), callbacks.encode("jr", "no", request_id))],
    ]


def link_anyway_buttons(language: str, request_id: int, role: str, roster_name: str) -> Keyboard:
    """The explicit, warned choice to link an applicant to a roster entry whose owner has
    not used their invite; rejecting stays one press away."""
    label = plain(
        language,
        "join.link_anyway",
        roster_name=roster_name[:40],
        role=plain(language, f"role.{role}"),
    )
    return [
        [Button(label, callbacks.encode("jr", "force", request_id, role))],
        [Button(t(language, "join.reject"), callbacks.encode("jr", "no", request_id))],
    ]


def request_card(language: str, params: Params) -> Html:
    """What a coordinator reads before deciding: the applicant, and a warning when the NIP
    is someone's on the roster (stronger when that person has not used their invite)."""
    values = {"name": params["name"], "nip": params["nip"], "unit": params["unit"]}
    roster_name = params.get("roster_name") or ""
    if not roster_name:
        return t(language, "join.notify", **values)
    key = "join.notify_invite_open" if params.get("invite_open") else "join.notify_on_roster"
    return t(language, key, roster_name=roster_name, **values)


@notice("join.request")
def request(params: Params, language: str) -> list[Part]:
    """To coordinators; params: request_id, name, nip, unit, roster_name (the roster's
    name for that NIP, empty if the NIP is not on the roster), invite_open (that person
    has not used their invite yet)."""
    return [Part(request_card(language, params), decision_buttons(language, params["request_id"]))]


def _decision(key: str, params: Params, language: str) -> list[Part]:
    role = params.get("role") or ""
    role_name = t(language, f"role.{role}") if role else ""
    return [Part(t(language, key, name=params["name"], role=role_name))]


@notice("join.approved")
def approved(params: Params, language: str) -> list[Part]:
    """To the applicant; params: name, role (the role they were given), offers (mentoring
    offers that waited for them and follow this message)."""
    [part] = _decision("join.approved_applicant", params, language)
    offers = int(params.get("offers") or 0)
    if offers:
        waiting = t(language, "start.offers_waiting", count=offers)
        part = Part(Html(f"{part.text}\n\n{waiting}"))
    return [part]


@notice("join.rejected")
def rejected(params: Params, language: str) -> list[Part]:
    """To the applicant; params: name."""
    return _decision("join.rejected_applicant", params, language)
