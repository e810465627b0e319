"""Who may see what: shared by the admin area, account settings and (later) group pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

from campaign.accounts import sessions
from campaign.accounts.roles import ORGANISER, has_role
from campaign.forms import CONTROL_CHARS

F = TypeVar("F", bound=Callable[..., Any])


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
