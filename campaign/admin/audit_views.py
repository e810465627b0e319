"""The audit log, for admins: read and filter; nothing here can change it."""

from __future__ import annotations

from flask import render_template, request

from campaign.accounts.access import allow
from campaign.accounts.models import User
from campaign.accounts.roles import ADMIN
from campaign.admin.blueprint import bp
from campaign.admin.forms import AuditFilterForm
from campaign.audit import actions, queries
from campaign.extensions import db
from campaign.forms import page_number, valid_data
from campaign.timeutil import day_bounds

PER_PAGE = 100


@bp.get("/audit")
@allow(ADMIN)
def audit() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    users = db.session.scalars(db.select(User).order_by(User.email))
    form.actor.choices = [("", "Anyone")] + [(u.id, u.email) for u in users]
    form.action.choices = [("", "Any action")] + [
        (a, actions.action_words(a)) for a in queries.actions()
    ]
    form.validate()  # shows what can't be read; the filter leaves it out
    since, before = day_bounds(valid_data(form.date_from), valid_data(form.date_to))
    spec = queries.AuditFilter(
        actor_id=valid_data(form.actor),
        action=valid_data(form.action) or "",
        target=actions.target_code(valid_data(form.target) or ""),
        since=since,
        before=before,
    )
    page = page_number(request.args.get("page"), per_page=PER_PAGE)
    entries, more = queries.page_of_entries(spec, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/audit.html",
        form=form,
        entries=[(entry, actions.describe(entry)) for entry in entries],
        page=page,
        more=more,
        args={k: v for k, v in request.args.items() if k != "page"},
    ), 200
