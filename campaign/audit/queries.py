"""Reading the audit log: the filtered, newest-first pages admins look through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select

from campaign.audit.models import AuditLog
from campaign.extensions import db


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; an empty value leaves that part out. `before` is exclusive."""

    actor_id: int | None = None
    action: str = ""
    target: str = ""
    since: datetime | None = None
    before: datetime | None = None


def _matching(spec: AuditFilter) -> Select[AuditLog]:
    query = db.select(AuditLog)
    if spec.actor_id is not None:
        query = query.where(AuditLog.actor_id == spec.actor_id)
    if spec.action:
        query = query.where(AuditLog.action == spec.action)
    if spec.target:
        query = query.where(AuditLog.target == spec.target)
    if spec.since:
        query = query.where(AuditLog.at >= spec.since)
    if spec.before:
        query = query.where(AuditLog.at < spec.before)
    return query


def page_of_entries(spec: AuditFilter, *, page: int, per_page: int) -> tuple[list[AuditLog], bool]:
    """One page, newest first, and whether there are older entries after it."""
    rows = list(
        db.session.scalars(
            _matching(spec)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    return rows[:per_page], len(rows) > per_page


def actions() -> list[str]:
    """Every action the log holds, for choosing one to filter by."""
    return list(db.session.scalars(db.select(AuditLog.action).distinct().order_by(AuditLog.action)))
