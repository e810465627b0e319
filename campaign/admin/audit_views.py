"""The audit log, for admins: read and filter; nothing here can change it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import render_template, request

from campaign.accounts.models import User
from campaign.accounts.roles import ADMIN
from campaign.admin.blueprint import allow, bp
from campaign.admin.forms import AuditFilterForm, optional_int
from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.timeutil import utcnow

PER_PAGE = 100


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


@bp.get("/audit")
@allow(ADMIN)
def audit() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    users = list(db.session.scalars(db.select(User).order_by(User.email)))
    form.actor.choices = [("", "Anyone")] + [(u.id, u.email) for u in users]
    actions = db.session.scalars(db.select(AuditLog.action).distinct().order_by(AuditLog.action))
    form.action.choices = [("", "Any action")] + [(a, a) for a in actions]
    form.validate()

    query = db.select(AuditLog)
    if actor := optional_int(request.args.get("actor")):
        query = query.where(AuditLog.actor_id == actor)
    if action := request.args.get("action", ""):
        query = query.where(AuditLog.action == action)
    if target := (form.target.data or "").strip():
        query = query.where(AuditLog.target == target)
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditLog.at >= _day_start(form.date_from.data))
    if form.date_to.data and not form.date_to.errors:
        query = query.where(AuditLog.at < _day_start(form.date_to.data + timedelta(days=1)))
    page = max(optional_int(request.args.get("page")) or 1, 1)
    entries = list(
        db.session.scalars(
            query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries[:PER_PAGE],
        page=page,
        more=len(entries) > PER_PAGE,
        args={k: v for k, v in request.args.items() if k != "page"},
    ), 200
