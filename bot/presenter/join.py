"""Join-request notices: the request to coordinators (with decision buttons) and the
decision to the applicant; and the notice that someone cannot be reached any more."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.flows.registration import ROLES_ON_APPROVAL
from bot.i18n import t
from bot.presenter.base import Params, Part, notice, worded

worded("reach.blocked", "reach.deactivated", "reach.not_found")


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


@notice("join.request")
def request(params: Params, language: str) -> list[Part]:
    """To coordinators; params: request_id, name, nip, unit, roster_name (the roster's
    name for that NIP, empty if the NIP is not on the roster)."""
    key = "join.notify_on_roster" if params.get("roster_name") else "join.notify"
    text = t(
        language,
        key,
        name=params["name"],
        nip=params["nip"],
        unit=params["unit"],
        roster_name=params.get("roster_name") or "",
    )
    return [Part(text, decision_buttons(language, params["request_id"]))]


def _decision(key: str, params: Params, language: str) -> list[Part]:
    role = params.get("role") or ""
    role_name = t(language, f"role.{role}") if role else ""
    return [Part(t(language, key, name=params["name"], role=role_name))]


@notice("join.approved")
def approved(params: Params, language: str) -> list[Part]:
    """To the applicant; params: name, role (the role they were given)."""
    return _decision("join.approved_applicant", params, language)


@notice("join.rejected")
def rejected(params: Params, language: str) -> list[Part]:
    """To the applicant; params: name."""
    return _decision("join.rejected_applicant", params, language)
