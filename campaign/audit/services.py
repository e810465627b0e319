from __future__ import annotations

import json
from typing import Any, Protocol

from flask import has_request_context

from campaign.audit.models import AuditLog
from campaign.extensions import db, hashed_ip


class Actor(Protocol):
    id: int
    email: str


def record(
    *, actor: Actor | None, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> AuditLog:
    """Add an audit row to the current transaction (the caller commits, with the action).

    `actor` is None for the system (the CLI, a job) and for failed logins to unknown
    accounts. `detail` holds ids, counts and filter values: never a supporter's address.
    """
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else "",
        action=action,
        target=target,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else "",
        ip_hash=hashed_ip() if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
