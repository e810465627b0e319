"""Who may see what: the one default-deny guard of every signed-in area, the check behind
every URL that names an object, re-authentication, and where people land after signing in.

A blueprint of signed-in pages calls `protect(bp)`, and each of its views names the lowest
role that may use it with `@allow(role)`. Before every request to the blueprint,
anonymous visitors are sent to sign in; an account whose role is too low, or a view that
declared no role at all, gets 403 with a page that says why. So a view someone forgets
to mark is closed, not open (STYLE.md rule 5). The guard is also where a session's
activity is noted (sessions.note_activity).

A view that loads an object named in its URL uses `get_owned_or_404(Model, id,
actor=user)`: 404 both for an object that doesn't exist and for one the actor doesn't
own, so nobody learns what others' URLs hold (SEC-15). Campaign objects (pledges,
sectors, accounts …) belong to organisers and admins. A model with an owner rule of its
own declares it as a method, `is_owned_by(self, actor) -> bool` (a local group: its
coordinators, and organisers and admins).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
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
from campaign.accounts.models import User
from campaign.accounts.roles import ORGANISER, ROLES, has_role
from campaign.extensions import db
from campaign.forms import CONTROL_CHARS

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")

# The page of a refusal. It extends the signed-in area's layout (templates/admin/), which
# the account settings share.
REFUSED_PAGE = "admin/refused.html"


def allow(role: str) -> Callable[[F], F]:
    """The lowest role that may use this view of a protected blueprint."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view: F) -> F:
        view.min_role = role  # type: ignore[attr-defined]
        return view

    return decorator


def required_role(endpoint: str) -> str | None:
    """The role the view declared with @allow, or None if it declared none."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "min_role", None)


def may_use(user: Any, endpoint: str) -> bool:
    """True if this person may open the view: for showing only the links that open."""
    role = required_role(endpoint)
    return role is not None and bool(user.is_authenticated) and has_role(user, role)


def _guard() -> Response | None:
    if not current_user.is_authenticated:
        if session.get("_user_id"):  # signed in once, timed out or ended since
            session.clear()
            flash("Your session has ended. Please sign in again.", "info")
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=next_url))
    if not may_use(current_user, request.endpoint or ""):
        needed = required_role(request.endpoint or "")
        return make_response(render_template(REFUSED_PAGE, needed=needed), 403)
    sessions.note_activity()
    return None


def protect(bp: Blueprint) -> None:
    """Close every view of `bp` to all but the roles it declares with @allow."""
    bp.before_request(_guard)


def is_protected(app: Flask, blueprint: str) -> bool:
    return _guard in app.before_request_funcs.get(blueprint, [])


@runtime_checkable
class Owned(Protocol):
    """A model whose objects have owners of their own (see the module's docstring)."""

    def is_owned_by(self, actor: User) -> bool: ...


def owns(actor: User, obj: object) -> bool:
    """The object's own owner rule if it has one; else it is a campaign object, owned by
    organisers and admins."""
    if isinstance(obj, Owned):
        return obj.is_owned_by(actor)
    return has_role(actor, ORGANISER)


def get_owned_or_404(model: type[M], object_id: int, *, actor: User, lock: bool = False) -> M:
    """The object a URL names, if `actor` owns it; else 404, as if it did not exist.
    `lock` holds the row until the request commits (FOR UPDATE on PostgreSQL; SQLite has
    no row locks and writes one at a time)."""
    found = db.session.get(model, object_id, with_for_update=True if lock else None)
    if found is None or not owns(actor, found):
        abort(404)
    return found


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after signing in, or None (no open redirects).

    Nothing is cleaned up and let through: browsers and Werkzeug drop tabs and line breaks
    from a URL ("/%09/evil.example" leaves as "//evil.example", another site), a line
    break can't go in a header at all, and browsers read a backslash as a slash. So any
    control character or backslash refuses the whole target, as does a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if CONTROL_CHARS.search(target) or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def home_url(user: Any) -> str:
    """Where a person lands after signing in."""
    if has_role(user, ORGANISER):
        return url_for("admin.dashboard")
    return url_for("account_settings.index")


def recent_auth_required(view: F) -> F:
    """Password and code again, within the last few minutes, before this view (SEC-14)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        if not sessions.recently_authenticated(current_user):
            return redirect(url_for("accounts.reauth", next=_return_path()))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _return_path() -> str | None:
    """This page, to come back to after re-authenticating, if it can be fetched: a form
    that only accepts POST would answer 405 (re-authentication then goes to settings)."""
    methods = request.url_rule.methods if request.url_rule else None
    return request.path if methods and "GET" in methods else None
