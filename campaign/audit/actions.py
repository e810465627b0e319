"""The audit log in plain words: what each action code means, what the objects are, and
what the details say.

Features write short codes ("pledge.update", "pledge:12", JSON details) so the log stays
searchable and stable; people reading it get words. This is the one home of those words:
a new `record(action=...)` anywhere adds its action here too (a test walks the code for
actions without words). A code with no words shows as itself, never as nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from campaign.accounts.roles import ROLE_NAMES
from campaign.audit.models import AuditLog
from campaign.geo import area_name

ACTIONS: dict[str, str] = {
    # Accounts
    "account.create_admin": "Created an admin account (from the command line)",
    "account.invite": "Invited someone to an account",
    "account.invitation_accepted": "Accepted an invitation",
    "account.invitation_revoked": "Withdrew an invitation",
    "account.role_changed": "Changed an account’s role",
    "account.enabled": "Enabled an account",
    "account.disabled": "Disabled an account",
    "account.totp_enrolled": "Set up an authenticator",
    "account.totp_changed": "Moved to a new authenticator",
    "account.totp_reset": "Reset someone’s authenticator",
    "account.password_changed": "Changed a password",
    "account.password_reset_requested": "Asked for a password reset link",
    "account.email_changed": "Changed their email address",
    "account.recovery_codes_replaced": "Made new recovery codes",
    # Signing in
    "login.succeeded": "Signed in",
    "login.failed": "Failed to sign in",
    "logout": "Signed out",
    "reauth.succeeded": "Confirmed it was them (password and code again)",
    "reauth.failed": "Failed to confirm it was them",
    # Content
    "sector.create": "Created a sector",
    "sector.update": "Changed a sector",
    "pledge.create": "Created a pledge",
    "pledge.update": "Changed a pledge",
    # Supporters' data
    "signatures.view": "Looked at the list of signatures",
    "signatures.count_flagged": "Counted flagged sign-ups",
    "signatures.discard_flagged": "Discarded flagged sign-ups",
    "supporters.export": "Downloaded supporters as CSV",
}

# The kind of object before the colon of a target ("pledge:12"); a plural kind counts.
TARGET_KINDS: dict[str, str] = {
    "pledge": "Pledge",
    "sector": "Sector",
    "user": "Account",
    "invitation": "Invitation",
    "signature": "Signature",
    "signatures": "Signatures",
}

# Keys of the details, in the order they are read out, and values that need words.
DETAIL_LABELS: dict[str, str] = {
    "slug": "Address",
    "name": "Name",
    "description": "Description",
    "position": "Position",
    "title": "Title",
    "statement": "Statement",
    "target": "Target",
    "is_open": "Open for signatures",
    "sector_id": "Sector",
    "wording_version": "Wording version",
    "pledge_id": "Pledge",
    "area_code": "Local authority",
    "date_from": "From",
    "date_to": "Until",
    "status": "Status",
    "page": "Page",
    "shown": "Rows shown",
    "rows": "Rows",
    "count": "Signatures changed",
    "ids": "Chosen signatures",
    "filter": "Filter",
    "role": "Role",
    "step": "Stopped at",
    "method": "With",
    "via": "Through",
}
DETAIL_VALUES: dict[str, dict[str, str]] = {
    "role": ROLE_NAMES,
    "step": {"password": "the password", "code": "the code"},
    "method": {"enrolment": "a new authenticator"},
    "via": {"settings": "account settings"},
}


@dataclass(frozen=True)
class Described:
    """One audit entry in words, with the stored codes kept for whoever needs them."""

    what: str
    target: str
    details: list[str]
    raw: str  # action, target and details exactly as stored


def action_words(action: str) -> str:
    return ACTIONS.get(action, action)


def target_words(target: str) -> str:
    kind, _, number = target.partition(":")
    label = TARGET_KINDS.get(kind)
    if label is None or not number:
        return target
    return f"{number} signatures" if kind == "signatures" else f"{label} {number}"


def target_code(text: str) -> str:
    """What the log stores for an object as shown ("Pledge 12" is "pledge:12"), so the
    filter takes what people read; anything else is looked up as typed."""
    words = text.split()
    if len(words) == 2 and words[1].isdigit():
        for kind, label in TARGET_KINDS.items():
            if kind != "signatures" and words[0].lower() == label.lower():
                return f"{kind}:{words[1]}"
    if len(words) == 2 and words[0].isdigit() and words[1].lower() == "signatures":
        return f"signatures:{words[0]}"
    return text


def describe(entry: AuditLog) -> Described:
    try:
        detail = json.loads(entry.detail) if entry.detail else {}
    except ValueError:
        detail = {}
    raw = f"{entry.action} {entry.target}".strip()
    if entry.detail:
        raw += f" {entry.detail}"
    return Described(
        what=action_words(entry.action),
        target=target_words(entry.target),
        details=detail_words(detail, role_change=entry.action == "account.role_changed")
        if isinstance(detail, dict)
        else [],
        raw=raw,
    )


def detail_words(detail: dict[str, Any], *, role_change: bool = False) -> list[str]:
    """Each detail as "Label: value"; a change as "Label: old → new"."""
    if role_change and set(detail) == {"from", "to"}:
        return [f"Role: {_value('role', detail['from'])} → {_value('role', detail['to'])}"]
    order = list(DETAIL_LABELS)
    words = []
    for key, value in sorted(detail.items(), key=lambda kv: _place(order, kv[0])):
        label = DETAIL_LABELS.get(key, key)
        if key == "filter" and isinstance(value, dict):
            inner = detail_words(value)
            words.append(f"{label}: {', '.join(inner) if inner else 'none'}")
        elif isinstance(value, dict) and value.keys() == {"from", "to"}:
            words.append(f"{label}: {_value(key, value['from'])} → {_value(key, value['to'])}")
        elif isinstance(value, dict) and value.get("changed"):
            words.append(f"{label}: changed")
        else:
            words.append(f"{label}: {_value(key, value)}")
    return words


def _place(order: list[str], key: str) -> tuple[int, str]:
    return (order.index(key) if key in order else len(order), key)


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return f"{len(value):,}"
    if key == "area_code" and isinstance(value, str):
        return area_name(value)
    if value in ("", None):
        return "none"
    return DETAIL_VALUES.get(key, {}).get(str(value), str(value))
