"""The admin blueprint and its one guard (STYLE.md rule 5).

Every admin view declares the lowest role that may use it with `@allow(role)`. The guard
runs before every admin request: anonymous visitors are sent to sign in; a signed-in
account whose role is too low, or a view that declared no role at all, gets 403 (with a
page saying why). So a view someone forgets to mark is closed, not open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.accounts import sessions
from campaign.accounts.roles import ORGANISER, has_role
from campaign.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")

bp = Blueprint("admin", __name__, url_prefix="/admin")


def allow(role: str) -> Callable[[F], F]:
    """The lowest role that may use this view (organiser or admin)."""

    def decorator(view: F) -> F:
        view.min_role = role  # type: ignore[attr-defined]
        return view

    return decorator


def get_or_404(model: type[M], object_id: int, *, lock: bool = False) -> M:
    """The object an admin URL names, or 404. Admin objects belong to the whole campaign;
    a check of ownership (a coordinator's own group, SEC-15) belongs here too when one is
    needed. `lock` holds the row until the request commits (FOR UPDATE on PostgreSQL;
    SQLite has no row locks and writes one at a time)."""
    found = db.session.get(model, object_id, with_for_update=True if lock else None)
    if found is None:
        abort(404)
    return found


def required_role(endpoint: str) -> str | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "min_role", None)


def refused(needed: str | None) -> Response:
    """403, with a page that says why: a group coordinator, that there is nothing for the
    role to do until local groups exist; an organiser, that the page is for admins."""
    html = render_template(
        "admin/refused.html", needed=needed, has_admin_area=has_role(current_user, ORGANISER)
    )
    return make_response(html, 403)


@bp.before_request
def guard() -> Response | None:
    if not current_user.is_authenticated:
        if session.get("_user_id"):  # signed in once, timed out or ended since
            session.clear()
            flash("Your session has ended. Please sign in again.", "info")
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=next_url))
    role = required_role(request.endpoint or "")
    if role is None or not has_role(current_user, role):
        return refused(role)
    if sessions.touch(current_user):
        db.session.commit()
    return None
