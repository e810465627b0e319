"""Who may see what: shared by the admin area, account settings and (later) group pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import redirect, request, url_for
from flask_login import current_user

from campaign.accounts import sessions
from campaign.accounts.roles import ORGANISER, has_role

F = TypeVar("F", bound=Callable[..., Any])


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after signing in, or None (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


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
            return redirect(url_for("accounts.reauth", next=request.path))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
