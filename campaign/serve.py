"""`flask serve`: the site (gunicorn) and a job worker together, for `make run`.

Both run as child processes; Ctrl-C (or either one stopping) stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

# The access log leaves out the client address: raw IPs are never logged (PRIV-09).
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


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
        "app:app",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
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
