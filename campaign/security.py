"""Response headers every page carries (SEC-01…03), and the error pages."""

from __future__ import annotations

import json

from flask import Flask, abort, render_template, request
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
