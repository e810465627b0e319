"""What the bench runs against and what it serves: PostgreSQL and Redis, the environment
Frontline gets, gunicorn serving Frontline (bench/wsgi.py) and the minimal baseline app
(bench/minimal.py) the same way, each on a free port, and single requests to them."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import redis

from bench.keepalive import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
SITE_URL = "https://bench.example.org"  # production mode wants https; nothing reaches it


class BenchError(RuntimeError):
    """The bench cannot go on: say why and clean up."""


def say(message: str) -> None:
    print(f"· {message}", flush=True)


def check_services() -> None:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL is needed at {PG_ADMIN_URL} (user postgres): {exc}") from exc
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise BenchError(f"Redis is needed at {REDIS_URL}: {exc}") from exc


def flush_redis() -> None:
    """Empty the bench's Redis database: rate limits, cached counts, queued jobs."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def app_env(database: str, *, shards: int | None) -> dict[str, str]:
    """This process's environment, less anything that configures Frontline, plus a
    production configuration on the bench database and Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "FLASK_", "FRONTLINE_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL"}
    }
    env.update(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_urlsafe(32),
        SITE_URL=SITE_URL,
        FRONTLINE_ENV="production",
        # Production insists on a relay. Nothing is sent: no job worker runs here.
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="1",
    )
    if shards:
        env["BENCH_COUNT_SHARDS"] = str(shards)
    return env


def flask(env: dict[str, str], *args: str) -> None:
    """Run a `flask` command of Frontline's with `env`."""
    command = [str(BIN / "flask"), "--app", "app", *args]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise BenchError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")


class Server:
    """A gunicorn serving `target` (module:app) on a free port, logging to a file."""

    def __init__(
        self,
        name: str,
        target: str,
        env: dict[str, str],
        workdir: Path,
        *,
        workers: int,
        threads: int,
    ):
        self.name, self.port = name, free_port()
        self.log = workdir / f"{name}.log"
        command = [
            str(BIN / "gunicorn"),
            target,
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--worker-class=gthread",
            f"--error-logfile={self.log}",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} server exited:\n{self.tail()}")
            with suppress(OSError, http.client.HTTPException):
                status, _, _ = http_get(self.base + path)
                if status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} server not ready after {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_servers(
    env: dict[str, str], workdir: Path, *, workers: int, threads: int, started: list[Server]
) -> tuple[Server, Server]:
    """Frontline and the baseline, once both answer. Each is added to `started` as soon
    as it runs, so that it is stopped again even if the other never comes up."""
    frontline = Server(
        "frontline", "bench.wsgi:app", env, workdir, workers=workers, threads=threads
    )
    started.append(frontline)
    baseline = Server(
        "baseline", "bench.minimal:app", env, workdir, workers=workers, threads=threads
    )
    started.append(baseline)
    frontline.wait_ready("/api/v1/counts")
    baseline.wait_ready("/ping")
    say(
        f"gunicorn up: Frontline on :{frontline.port}, baseline on :{baseline.port}"
        f" ({workers} workers × {threads} threads each)"
    )
    return frontline, baseline


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """One GET on a connection of its own: status, headers and the text of the body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", parts.path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def http_post(url: str, body: str, cookie: str) -> tuple[int, Any]:
    """One form POST on a connection of its own: status and headers."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()
