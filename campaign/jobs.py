"""Background jobs with Huey.

The database is the source of truth for work in flight; the queue only wakes workers.
So enqueueing never raises: if the queue (Redis) is down, the periodic sweep picks the
work up from the database once a worker runs again (REL-04).

Storage: a SQLite file in the instance folder by default, Redis when REDIS_URL is set,
and in-process immediate execution when HUEY_IMMEDIATE is set (the test suite).
Workers run with `flask jobs worker`, which creates the app and starts a consumer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

huey = Huey("frontline", results=False, storage_class=MemoryStorage)
_state: dict[str, Flask] = {}
PERIODIC: list[Any] = []  # every periodic task, so `flask jobs run-due` can run them now


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage and run tasks inside its app context."""
    _state["app"] = app
    if app.config["HUEY_IMMEDIATE"]:
        huey.immediate = True
        return
    huey.immediate = False
    huey.name = app.config["HUEY_NAME"]
    if app.config["REDIS_URL"]:
        huey.storage = RedisStorage(huey.name, url=app.config["REDIS_URL"])
    else:
        path = app.config["HUEY_SQLITE_PATH"] or str(Path(app.instance_path) / "huey.sqlite3")
        huey.storage = SqliteStorage(huey.name, filename=path)
    app.extensions["huey"] = huey


def _in_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _state["app"].app_context():
            return fn(*args, **kwargs)

    return wrapper


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a Huey task that runs inside the Flask app context."""

    def decorator(fn: Callable[..., Any]) -> Any:
        return huey.task(name=f"{fn.__module__}.{fn.__name__}", **options)(_in_app_context(fn))

    return decorator


def periodic(schedule: Callable[..., bool], **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a periodic Huey task (schedule from huey.crontab) run in the app context."""

    def decorator(fn: Callable[..., Any]) -> Any:
        wrapped = _in_app_context(fn)
        periodic_task = huey.periodic_task(
            schedule, name=f"{fn.__module__}.{fn.__name__}", **options
        )(wrapped)
        PERIODIC.append(periodic_task)
        return periodic_task

    return decorator


def enqueue(queued_task: Any, *args: Any, delay: float | None = None) -> None:
    """Wake a worker, now or in `delay` seconds; never fail the request if the queue is
    unreachable."""

    def call() -> None:
        if delay is None:
            queued_task(*args)
        else:
            queued_task.schedule(args, delay=delay)

    if huey.immediate:  # tests: run now and let errors surface
        call()
        return
    try:
        call()
    except Exception:  # the sweep recovers the work from the database
        log.warning("Job queue unavailable; %s will run at the next sweep", queued_task.name)


jobs_cli = AppGroup("jobs", help="Run background workers and scheduled jobs.")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Also run the scheduled jobs. With several worker processes, leave it on for one.",
)
def worker_command(workers: int, periodic: bool) -> None:
    """Consume the job queue (and run the periodic jobs) until stopped."""
    click.echo(f"Worker: {workers} threads on {type(huey.storage).__name__}")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


@jobs_cli.command("run-due")
def run_due_command() -> None:
    """Run every periodic job once, now, in this process (for cron or a one-off)."""
    for periodic_task in PERIODIC:
        click.echo(f"Running {periodic_task.name}")
        periodic_task.call_local()
