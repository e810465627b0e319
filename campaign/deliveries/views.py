"""Development only: the mail that would have been sent, read from instance/outbox/."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from flask import Blueprint, Response, abort, render_template

from campaign.email import outbox_folder

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev/outbox")


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _message_path(name: str) -> Path:
    folder = outbox_folder()
    path = folder / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        abort(404)
    return path


@bp.get("/")
def index() -> str:
    folder = outbox_folder()
    paths = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    messages = [(path.name, _read(path)) for path in paths]
    return render_template("deliveries/outbox.html", messages=messages, folder=folder)


@bp.get("/<name>")
def show(name: str) -> str:
    message = _read(_message_path(name))
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part else ""
    return render_template("deliveries/message.html", name=name, message=message, text=text)


@bp.get("/<name>/html")
def html(name: str) -> Response:
    message = _read(_message_path(name))
    part = message.get_body(preferencelist=("html",))
    if part is None:
        abort(404)
    # Links open in the whole window (the site's pages refuse to be framed).
    html = part.get_content().replace("<head>", '<head><base target="_top">', 1)
    response = Response(html, mimetype="text/html")
    # Shown inside the message page: framed by our own origin only, and sandboxed.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; "
        "sandbox allow-top-navigation-by-user-activation"
    )
    return response
