"""Serving Frontline with gunicorn: the logger that keeps client addresses and secrets out
of its logs, and `flask serve` (the site and a job worker together, for `make run`).

gunicorn's settings live in one place, `gunicorn.conf.py` at the top of the repository:
the production command (`gunicorn -c gunicorn.conf.py`) and `flask serve` both use it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn import glogging

CONFIG_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "gunicorn.conf.py")
ADDRESS_REMOVED = "[address]"
TOKEN_REMOVED = "[token]"  # noqa: S105 - a placeholder, not a secret

# Runs of characters an IPv4 or IPv6 address is written with, not inside a longer word.
_ADDRESS_LIKE = re.compile(r"(?<![\w.:])[0-9A-Fa-f:.]*[0-9A-Fa-f][0-9A-Fa-f:.]*")
# A signed token from campaign.tokens (itsdangerous: payload.timestamp.signature) as a
# path segment: /confirm/<token>, /my-data/<token>, /reset/<token>, /invitation/<token> …
_TOKEN_SEGMENT = re.compile(r"(?<=/)[\w-]+\.[\w-]+\.[\w-]{16,}(?![\w.-])")


def _address_or_none(text: str) -> str | None:
    """The address `text` starts with (a trailing :port or punctuation aside), if any."""
    candidate = text.rstrip(".:")
    for attempt in (candidate, candidate.rsplit(":", 1)[0]):
        try:
            ipaddress.ip_address(attempt)
        except ValueError:
            continue
        return attempt
    return None


def redact_addresses(text: str) -> str:
    """`text` with every IPv4 and IPv6 address replaced (PRIV-09); times, versions and
    hashes stay as they are."""

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        address = _address_or_none(run)
        return run.replace(address, ADDRESS_REMOVED, 1) if address else run

    return _ADDRESS_LIKE.sub(replace, text)


def redact_tokens(text: str) -> str:
    """`text` without the signed tokens of emailed links: anyone reading a log could
    otherwise confirm, manage or erase someone's data, or reset a password."""
    return _TOKEN_SEGMENT.sub(TOKEN_REMOVED, text)


def redact_target(target: str) -> str:
    """A request target as the access log may show it: no tokens, and no query string
    (admin filters carry names and email addresses)."""
    path, _, query = target.partition("?")
    path = redact_tokens(path)
    return f"{path}?…" if query else path


def _redact(text: str) -> str:
    return redact_tokens(redact_addresses(text))


class _Redacting(logging.Filter):
    """Rewrites each record so that no client address or token reaches a log handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # gunicorn's start-up line names the address it binds to: configuration, kept.
        if not message.startswith("Listening at: "):
            record.msg, record.args = _redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact(record.exc_text)
        return True


class PrivateLogger(glogging.Logger):
    """gunicorn's logger without client addresses (PRIV-09) or secrets from URLs.

    gunicorn writes the client address itself in its error log ("Invalid request from
    ip=…" for an over-long URL or a malformed header), and its access log offers it as
    %(h)s. Every handler of both logs gets a filter that replaces any IP address and
    token, so a new gunicorn message or a changed access-log format cannot bring one
    back. The app's own loggers (Flask's "Exception on /path", campaign.*) write through
    the error log's handlers too, instead of Flask's handler on the raw error stream.
    """

    _filter = _Redacting()

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # also on a configuration reload (SIGHUP): handlers are new
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if self._filter not in handler.filters:
                    handler.addFilter(self._filter)
        root = logging.getLogger()
        theirs = [h for h in root.handlers if not getattr(h, "_gunicorn", False)]
        for handler in [h for h in root.handlers if getattr(h, "_gunicorn", False)]:
            root.removeHandler(handler)
        if not theirs:  # a logconfig of the operator's own stays as it is
            for handler in self.error_log.handlers:
                root.addHandler(handler)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        target = redact_target(environ.get("RAW_URI") or "")
        atoms["h"] = "-"
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = target.partition("?")[0]
        atoms["q"] = "…" if environ.get("QUERY_STRING") else ""
        return atoms


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command("serve")
@click.option("--workers", default=2, show_default=True, help="Web worker processes.")
@with_appcontext
def serve(workers: int) -> None:
    """Serve the site and run a job worker until Ctrl-C."""
    config = current_app.config
    host, port = config["HOST"], config["PORT"]
    bin_dir = os.path.dirname(sys.executable)
    web = [
        os.path.join(bin_dir, "gunicorn"),
        "--config",
        CONFIG_FILE,
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
    ]
    worker = [os.path.join(bin_dir, "flask"), "--app", "app", "jobs", "worker"]
    if config["MAIL_SERVER"]:
        mail = f"via the SMTP relay {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    else:
        mail = f"to files in instance/outbox/, listed at http://{host}:{port}/dev/outbox/"
    click.secho(f"\n  Frontline is running at http://{host}:{port}/", fg="green", bold=True)
    click.echo(f"  Mail goes {mail}")
    click.echo("  Press Ctrl-C to stop the site and the worker.\n")

    children = [subprocess.Popen(web), subprocess.Popen(worker)]  # noqa: S603 - fixed argv
    # Stopped by a service manager (SIGTERM) as by Ctrl-C: take both children down.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    click.echo("Stopped.")
