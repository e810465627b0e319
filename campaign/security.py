"""Response headers every page carries (SEC-01…03), the same-origin check on every
form post (SEC-07), and the error pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
EMBEDDABLE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)


View = TypeVar("View", bound=Callable[..., Any])


def allow_cross_site(view: View) -> View:
    """Accept posts from other sites: only for one-click unsubscribe, which mail
    providers send from their own servers or webmail pages (RFC 8058)."""
    view.cross_site_allowed = True  # type: ignore[attr-defined]
    return view


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _refuse_cross_site_posts() -> tuple[str, int] | None:
    """Every unsafe request must come from one of our own pages (SEC-07).

    Browsers say where a request came from in `Sec-Fetch-Site`, which our
    `Referrer-Policy: no-referrer` does not suppress; it replaces Flask-WTF's HTTPS
    Referer check, which that policy made refuse every form (no Referer is ever sent).
    Older browsers send `Origin` instead (as "null" under our referrer policy, which
    proves nothing either way). The CSRF token or the signed link is checked as well.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "cross_site_allowed", False):
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin", "null")
    if fetch_site is not None:
        same_site = fetch_site in ("same-origin", "none")
    elif origin != "null":
        ours = {_origin(current_app.config["SITE_URL"]), _origin(request.host_url)}
        same_site = origin.lower() in ours
    else:
        same_site = True  # no evidence either way: the token decides
    if same_site:
        return None
    return render_template("errors/cross_site.html"), 403


def embeddable(response: Response) -> Response:
    """The one documented exception to frame-ancestors 'none': the live counter."""
    response.headers["Content-Security-Policy"] = EMBEDDABLE_CSP
    return response


def _set_headers(app: Flask, response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    if headers["Content-Security-Policy"] != EMBEDDABLE_CSP:
        headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if app.config["HSTS"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if "Cache-Control" not in headers and response.mimetype == "text/html":
        # Pages may show or accept personal data unless a view says otherwise (SEC-03).
        headers["Cache-Control"] = "no-store"
    return response


def _refuse_nul_bytes() -> None:
    """No text we store or look up may hold a NUL: PostgreSQL refuses it (a 500), and no
    person types one. Reject it for the whole request, before any view runs (SEC-17)."""
    values = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_bytes)
    app.before_request(_refuse_cross_site_posts)
    app.after_request(lambda response: _set_headers(app, response))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        if request.path.startswith("/api/"):
            response = error.get_response()
            response.data = json.dumps({"error": error.code, "message": error.name})
            response.mimetype = "application/json"
            return response
        return render_template("errors/http.html", error=error), error.code or 500

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        # Generic on purpose (SEC-18): the traceback goes to the log, never to the page.
        return render_template("errors/500.html"), 500
