"""Benchmark Frontline on PostgreSQL + Redis behind gunicorn, against a minimal Flask app.

    .venv/bin/python bench/run.py [--seconds 10] [--concurrency 16] [--signatures 200000]

Prints figures; it is not a test and asserts nothing about speed. It fails only when the
app answers wrongly (a sign-up not redirected to the thanks page, a row not written).
See bench/README.md for what each figure means. Everything it creates (a database, two
gunicorn servers, keys in one Redis database) is removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
SITE_URL = "https://bench.example.org"  # production mode wants https; nothing reaches it
POSTCODE = "SW1A 1AA"
SIGN_WAIT_SECONDS = 4  # the app refuses forms sent under SIGN_FORM_MIN_SECONDS (3) after load


class BenchError(RuntimeError):
    """The bench cannot go on: say why and clean up."""


def say(message: str) -> None:
    print(f"· {message}", flush=True)


# --- results ----------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    signatures: int | None  # confirmed signatures in the database during the run
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    ok: int  # answers that were what a working app gives (200, or 303 to /thanks)
    unexpected: int
    socket_errors: int
    statuses: str = ""
    statements: str = ""  # SQL statements one such request runs (counted in process)
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- load: wrk when installed, else Python threads in a few processes ----------------------


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"


@dataclass
class Load:
    """How requests are sent: `mode` get, sign or confirm (see bench/wrk.lua)."""

    mode: str
    sessions: list[tuple[str, str]] = field(default_factory=list)  # (Cookie, form fields)
    run_id: str = ""
    links: list[str] = field(default_factory=list)


def drive(tool: str, url: str, load: Load, *, seconds: int, concurrency: int, workdir: Path) -> Any:
    if tool == "wrk":
        return _drive_wrk(url, load, seconds=seconds, concurrency=concurrency, workdir=workdir)
    return _drive_python(url, load, seconds=seconds, concurrency=concurrency)


def _drive_wrk(url: str, load: Load, *, seconds: int, concurrency: int, workdir: Path) -> dict:
    threads = max(1, min(concurrency // 8, os.cpu_count() or 1))
    args = [load.mode]
    if load.mode != "get":
        sessions = workdir / "sessions.txt"
        sessions.write_text("".join(f"{c}\t{f}\n" for c, f in load.sessions))
        args.append(str(sessions))
    if load.mode == "sign":
        args.append(load.run_id)
    if load.mode == "confirm":
        links = workdir / "links.txt"
        links.write_text("".join(f"{link}\n" for link in load.links))
        args += [str(links), str(threads)]
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={concurrency}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={BENCH / 'wrk.lua'}",
        url,
        "--",
        *args,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if out.returncode or line is None:
        raise BenchError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    figures = json.loads(line.removeprefix("BENCH-JSON "))
    return {
        "requests": int(figures["requests"]),
        "seconds": figures["duration_us"] / 1e6,
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "ok": int(figures["ok"]),
        "unexpected": int(figures["unexpected"]),
        "socket_errors": int(figures["socket_errors"]),
        "statuses": figures["statuses"].strip(),
    }


def _drive_python(url: str, load: Load, *, seconds: int, concurrency: int) -> dict:
    """Keep-alive clients on threads, spread over processes so one GIL is not the limit."""
    processes = max(1, min(os.cpu_count() or 1, concurrency))
    start_at = time.time() + 1.0  # every process starts together
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    offsets = [sum(shares[:i]) for i in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        parts = list(
            pool.map(
                _python_clients,
                [url] * processes,
                [load] * processes,
                offsets,
                shares,
                [concurrency] * processes,
                [start_at] * processes,
                [seconds] * processes,
            )
        )
    latencies = sorted(x for part in parts for x in part["latencies"])
    statuses: Counter[str] = Counter()
    for part in parts:
        statuses.update(part["statuses"])

    def percentile(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    return {
        "requests": len(latencies),
        "seconds": float(seconds),
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "ok": sum(p["ok"] for p in parts),
        "unexpected": sum(p["unexpected"] for p in parts),
        "socket_errors": sum(p["errors"] for p in parts),
        "statuses": " ".join(f"{s}×{n}" for s, n in statuses.items()),
    }


def _python_clients(
    url: str, load: Load, offset: int, count: int, concurrency: int, start_at: float, seconds: int
) -> dict:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    results: list[dict] = []

    def client(index: int) -> None:
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        ok = unexpected = errors = n = 0
        connection = http.client.HTTPConnection(host, port, timeout=10)
        time.sleep(max(0.0, start_at - time.time()))
        end = start_at + seconds
        while time.time() < end:
            n += 1
            method, target, headers, body = "GET", path, {}, None
            if load.mode != "get":
                cookie, fields = load.sessions[(n + index) % len(load.sessions)]
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
                method, body = "POST", fields
                if load.mode == "sign":
                    body += f"&email=bench-{load.run_id}-{index}-{n}%40example.net"
                else:
                    target = load.links[((n - 1) * concurrency + index) % len(load.links)]
            started = time.perf_counter()
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
                continue
            latencies.append(time.perf_counter() - started)
            if load.mode == "sign":
                good = response.status == 303 and response.getheader("Location", "").endswith(
                    "/thanks"
                )
            else:
                good = response.status == 200
            ok, unexpected = ok + good, unexpected + (not good)
            if not good:
                statuses[str(response.status)] += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.close()
        results.append(
            {
                "latencies": latencies,
                "ok": ok,
                "unexpected": unexpected,
                "errors": errors,
                "statuses": statuses,
            }
        )

    workers = [threading.Thread(target=client, args=(offset + i,)) for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    merged: Counter[str] = Counter()
    for r in results:
        merged.update(r["statuses"])
    return {
        "latencies": [x for r in results for x in r["latencies"]],
        "ok": sum(r["ok"] for r in results),
        "unexpected": sum(r["unexpected"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "statuses": dict(merged),
    }


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A gunicorn serving `target` (module:app) on a free port, logging to a file."""

    def __init__(self, name: str, target: str, env: dict[str, str], workdir: Path, args: Any):
        self.name, self.port = name, free_port()
        self.log = workdir / f"{name}.log"
        command = [
            str(BIN / "gunicorn"),
            target,
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={args.workers}",
            f"--threads={args.threads}",
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


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def http_post(url: str, body: str, cookie: str) -> tuple[int, Any]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


def collect_sessions(page_url: str, count: int) -> list[tuple[str, str]]:
    """What `count` people get by opening the pledge page: a signed form timestamp (and
    no cookie: the sign form needs none). Returned as (Cookie header, form fields)."""
    sessions = []
    for _ in range(count):
        status, headers, html = http_get(page_url)
        if status != 200:
            raise BenchError(f"GET {page_url} answered {status}")
        if headers.get_all("Set-Cookie"):
            raise BenchError("The pledge page set a cookie: public pages must set none")
        sessions.append(("", urlencode(sign_form(html))))
    return sessions


def sign_form(html: str) -> dict[str, str]:
    """A valid sign form: the page's hidden fields (the signed timestamp) and
    answers a person would give, less the email address, which must differ each time."""
    hidden = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if 'type="hidden"' in tag and name:
            value = re.search(r'value="([^"]*)"', tag)
            hidden[name.group(1)] = value.group(1) if value else ""
    if not hidden.get("started"):
        raise BenchError("The pledge page has no signed form timestamp")
    return {
        **hidden,
        "website": "",
        "name": "Bench Signer",
        "postcode": POSTCODE,
        "role": "Receptionist",
        "display": "initial",
        "consent": "y",
    }


# --- database and app -----------------------------------------------------------------


def flask(env: dict[str, str], *args: str) -> None:
    command = [str(BIN / "flask"), "--app", "app", *args]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise BenchError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")


FIRST_NAMES = "Amira Ben Chloe Dev Ewa Femi Grace Hamza Isla Jamal Kasia Leon Maya Nikhil Olu Priya"
LAST_NAMES = "Ahmed Brown Chen Davies Evans Farah Green Hughes Iqbal Jones Khan Lewis Murphy Nowak"


class Bench:
    def __init__(self, args: argparse.Namespace, tool: str, workdir: Path):
        self.args, self.tool, self.workdir = args, tool, workdir
        self.run_id = secrets.token_hex(4)
        self.database = f"frontline_bench_{self.run_id}"
        self.results: list[Result] = []
        self.facts: list[str] = []
        self.servers: list[Server] = []
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MAIL_", "FLASK_", "FRONTLINE_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL"}
        }
        self.env.update(
            DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{self.database}",
            REDIS_URL=REDIS_URL,
            SECRET_KEY=secrets.token_urlsafe(32),
            SITE_URL=SITE_URL,
            FRONTLINE_ENV="production",
            # Production insists on a relay. Nothing is sent: no job worker runs here.
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT="1",
        )
        if args.shards:
            self.env["BENCH_COUNT_SHARDS"] = str(args.shards)

    # -- setup and cleanup

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        say(f"Created database {self.database}")
        flask(self.env, "db", "upgrade")
        flask(self.env, "demo")
        flask(self.env, "geo", "build")  # a no-op when the lookup file is there

    def open_app(self) -> None:
        """The app in this process, for seeding, reconciling and checking rows."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        from bench.wsgi import app  # the very app the server runs, rate limits and all
        from campaign.extensions import db
        from campaign.pledges.models import Pledge, Sector

        self.app = app
        self.db = db
        with self.app.app_context():
            first = db.session.execute(
                db.select(Pledge.slug, Pledge.id)
                .join(Sector)
                .order_by(Sector.position, Pledge.position)
                .limit(1)
            ).one()
        self.slug, self.pledge_id = first

    def cleanup(self) -> None:
        for server in self.servers:
            server.stop()
        if getattr(self, "app", None) is not None:
            with suppress(Exception), self.app.app_context():
                self.db.engine.dispose()
        with suppress(Exception):
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            say(f"Dropped database {self.database}")
        with suppress(Exception):
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            say(f"Flushed Redis {REDIS_URL}")

    def start_servers(self) -> None:
        self.frontline = Server("frontline", "bench.wsgi:app", self.env, self.workdir, self.args)
        self.baseline = Server("baseline", "bench.minimal:app", self.env, self.workdir, self.args)
        self.servers = [self.frontline, self.baseline]
        self.frontline.wait_ready("/api/v1/counts")
        self.baseline.wait_ready("/ping")
        say(
            f"gunicorn up: Frontline on :{self.frontline.port}, baseline on :{self.baseline.port}"
            f" ({self.args.workers} workers × {self.args.threads} threads each)"
        )

    # -- queries in this process

    def sql(self, statement: str, **params: Any) -> Any:
        from sqlalchemy import text

        with self.app.app_context():
            result = self.db.session.execute(text(statement), params)
            value = result.scalar() if result.returns_rows else None
            self.db.session.commit()
            return value

    def confirmed_signatures(self) -> int:
        return int(
            self.sql(
                "SELECT count(*) FROM signature WHERE confirmed_at IS NOT NULL AND NOT flagged"
            )
        )

    def insert_rows(self, table: str, columns: dict[str, str], source: str, **params: Any) -> int:
        """INSERT … SELECT, filling any other required column from its model default, so a
        column added to a model later doesn't break the seed without saying so."""
        from sqlalchemy import DateTime, text

        values = dict(columns)
        for column in self.db.metadata.tables[table].columns:
            if (
                column.name in values
                or column.primary_key
                or column.nullable
                or column.server_default is not None
            ):
                continue
            default = column.default
            if default is not None and getattr(default, "is_scalar", False):
                values[column.name] = f":default_{column.name}"
                params[f"default_{column.name}"] = default.arg  # type: ignore[attr-defined]
            elif default is not None and isinstance(column.type, DateTime):
                values[column.name] = "now()"
            else:
                raise BenchError(f"bench/run.py can't seed {table}.{column.name}: update it")
        statement = (
            f"INSERT INTO {table} ({', '.join(values)}) "
            f"SELECT {', '.join(values.values())} {source}"
        )
        with self.app.app_context():
            count = self.db.session.execute(text(statement), params).rowcount
            self.db.session.commit()
        return int(count)

    def seed(self, signatures: int, pool: int) -> None:
        """`signatures` confirmed sign-ups over the pledges, areas and the last 120 days
        (skewed, as real ones are), plus `pool` unconfirmed ones on the bench pledge for
        the confirm run; with their supporters, consent records and confirmation mails."""
        from campaign.deliveries.kinds import KINDS
        from campaign.geo import all_areas, find_place
        from campaign.pledges import tallies

        started = time.perf_counter()
        with self.app.app_context():
            areas = list(all_areas())
            home_area = find_place(POSTCODE).area_code
            pledge_ids = list(
                self.db.session.scalars(self.db.text("SELECT id FROM pledge ORDER BY random()"))
            )
        rng = secrets.SystemRandom()
        rng.shuffle(areas)  # which areas get the most is random; that some do is not
        first, last = FIRST_NAMES.split(), LAST_NAMES.split()
        name = (
            "(CAST(:first AS text[]))[1 + floor(random() * :nfirst)::int] || ' ' || "
            "(CAST(:last AS text[]))[1 + floor(random() * :nlast)::int]"
        )
        names = {"first": first, "nfirst": len(first), "last": last, "nlast": len(last)}
        for prefix, n, ago in (("seed", signatures, "120 days"), ("pool", pool, "1 day")):
            self.insert_rows(
                "supporter",
                {
                    "email": f"'{prefix}-{self.run_id}-' || g.i || '@example.net'",
                    "email_hash": f"md5('{prefix}a' || g.i) || md5('{prefix}b' || g.i)",
                    "name": name,
                    "wants_updates": "g.i % 3 = 0",
                    "created_at": "g.at",
                    "confirmed_at": "g.at + interval '7 minutes'" if prefix == "seed" else "NULL",
                    "last_active_at": "g.at",
                },
                "FROM (SELECT i, now() - power(random(), 2) * CAST(:ago AS interval) AS at "
                "FROM generate_series(1, :n) AS i) AS g",
                n=n,
                ago=ago,
                **names,
            )
        seeded = self.insert_rows(
            "signature",
            {
                "pledge_id": "p.id",
                "supporter_id": "s.id",
                "name": "s.name",
                "display": "CASE WHEN s.r < 0.6 THEN 'none' WHEN s.r < 0.85 THEN 'initial' "
                "ELSE 'full' END",
                "role": "''",
                "area_code": "CASE WHEN s.pool THEN :home ELSE "
                "(CAST(:areas AS text[]))[1 + floor(power(random(), 3) * :nareas)::int] END",
                "wording_version": "p.wording_version",
                "wants_updates": "s.wants_updates",
                "wants_alerts": "s.r < 0.3",
                "flagged": "false",
                "flag_reason": "''",
                "created_at": "s.created_at",
                "confirmed_at": "s.confirmed_at",
            },
            "FROM (SELECT supporter.*, random() AS r, email LIKE 'pool-%' AS pool, "
            "  CASE WHEN email LIKE 'pool-%' THEN :pledge ELSE "
            "  (CAST(:pledges AS int[]))[1 + floor(power(random(), 1.5) * :npledges)::int] END"
            "  AS pick FROM supporter WHERE email LIKE 'seed-%' OR email LIKE 'pool-%') AS s "
            "JOIN pledge AS p ON p.id = s.pick",
            areas=areas,
            nareas=len(areas),
            home=home_area,
            pledge=self.pledge_id,
            pledges=pledge_ids,
            npledges=len(pledge_ids),
        )
        width = self.db.metadata.tables["consent_record"].c.wording_version.type.length or 40
        self.insert_rows(
            "consent_record",
            {
                "supporter_id": "s.supporter_id",
                "purpose": "'pledge:' || p.slug",
                "granted": "true",
                "wording_version": f"left('consent-1/pledge-' || p.slug || '-v1', {width})",
                "text_hash": "md5(p.statement) || md5(p.title)",
                "channel": "'sign form'",
                "at": "s.created_at",
            },
            "FROM signature AS s JOIN pledge AS p ON p.id = s.pledge_id",
        )
        self.insert_rows(
            "delivery",
            {
                "kind": "'confirm_signature'",
                "stream": ":stream",
                "source_id": "s.id",
                "supporter_id": "s.supporter_id",
                "seq": "0",
                "status": "'sent'",
                "attempts": "1",
                "last_error": "''",
                "created_at": "s.created_at",
                "next_attempt_at": "s.created_at",
                "sent_at": "s.created_at + interval '5 seconds'",
            },
            "FROM signature AS s",
            stream=KINDS["confirm_signature"].stream,
        )
        self.sql("ANALYZE")
        seeding = time.perf_counter() - started
        with self.app.app_context():
            started = time.perf_counter()
            tallies.reconcile()
            self.db.session.commit()
            self.reconcile_seconds = time.perf_counter() - started
        say(
            f"Seeded {seeded:,} signatures ({signatures:,} confirmed, {pool:,} unconfirmed) "
            f"with supporters, consent records and mail rows in {seeding:.1f} s; "
            f"reconciled the tallies in {self.reconcile_seconds:.1f} s"
        )

    @contextmanager
    def counting_statements(self) -> Iterator[list[str]]:
        """The SQL statements run meanwhile (the pool's pre-ping, not seen here, adds one
        round trip per request)."""
        from sqlalchemy import event

        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        with self.app.app_context():
            engine = self.db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    def statements_for_get(self, path: str) -> str:
        client = self.app.test_client()
        client.get(path, base_url=SITE_URL)  # warm: caches, lazy imports
        with self.counting_statements() as seen:
            response = client.get(path, base_url=SITE_URL)
        if response.status_code != 200:
            raise BenchError(f"GET {path} in process answered {response.status_code}")
        return str(len(seen))

    def time_counts_query(self, label: str) -> str:
        """The uncached cost of the figures behind /api/v1/counts (the endpoint caches
        them for 5 s in Redis, so under load it mostly measures the cache)."""
        from campaign.pledges import queries

        timings = []
        with self.app.app_context(), self.counting_statements() as seen:
            for _ in range(30):
                self.db.session.expire_all()
                started = time.perf_counter()
                queries.public_counts.uncached()
                timings.append(time.perf_counter() - started)
                self.db.session.rollback()
        self.counts_statements = len(seen) // 30
        median = statistics.median(timings) * 1000
        return f"{label}: {median:.1f} ms, {self.counts_statements} SQL statements"

    def time_naive_count(self) -> float:
        """What a count over the signature table costs, for contrast."""
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            self.confirmed_signatures()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000

    # -- runs

    def measure(
        self, label: str, url: str, load: Load, signatures: int | None, statements: str = ""
    ) -> Result:
        say(f"{label}: {self.args.seconds} s at {self.args.concurrency} clients …")
        with LockSampler(self.database) as sampler, self.profiling(label, url):
            figures = drive(
                self.tool,
                url,
                load,
                seconds=self.args.seconds,
                concurrency=self.args.concurrency,
                workdir=self.workdir,
            )
        self.settle()
        result = Result(label=label, signatures=signatures, statements=statements, **figures)
        if sampler.summary():
            result.notes.append(sampler.summary())
        self.results.append(result)
        if result.unexpected or result.socket_errors:
            raise BenchError(
                f"{label}: {result.unexpected} unexpected answers ({result.statuses}), "
                f"{result.socket_errors} socket errors"
            )
        return result

    @contextmanager
    def profiling(self, label: str, url: str) -> Iterator[None]:
        """With --profile DIR: sample the Frontline workers with py-spy during the run,
        as collapsed stacks (DIR/<run>.txt; flamegraph.pl or speedscope read them)."""
        if not self.args.profile or not url.startswith(self.frontline.base):
            yield
            return
        name = re.sub(r"[^a-z0-9]+", "-", f"{label} {len(self.results)}".lower()).strip("-")
        out = Path(self.args.profile) / f"{name}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [
            self.args.py_spy,
            "record",
            f"--pid={self.frontline.process.pid}",
            "--subprocesses",
            "--format=raw",
            "--rate=200",
            f"--output={out}",
        ]
        if self.args.profile_gil:
            command.append("--gil")
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # let py-spy attach before the load starts
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            spy.wait(timeout=30)
            say(f"profile: {out}")

    def settle(self) -> None:
        """Wait for requests still in flight when the load stopped (the server finishes
        them after the client has gone), so rows counted next are final."""
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.5)
            busy = self.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state <> 'idle' AND pid <> pg_backend_pid()"
            )
            if not busy:
                return

    def warm(self, url: str) -> None:
        """Load the URL briefly, unmeasured, so no run pays for first-request costs
        (connections, prepared statements, compiled templates) that later runs don't."""
        for _ in range(20):
            http_get(url)
        seconds = min(2, self.args.seconds)
        drive(self.tool, url, Load("get"), seconds=seconds, concurrency=4, workdir=self.workdir)

    def run(self) -> None:
        args = self.args
        self.create_database()
        self.open_app()
        at_zero = self.time_counts_query("at 0 signatures")
        self.start_servers()
        counts_url = self.frontline.base + "/api/v1/counts"
        page_path = f"/pledges/{self.slug}"
        page_url = self.frontline.base + page_path
        home_url = self.frontline.base + "/"
        baseline_url = self.baseline.base + "/ping"
        say("Warming up …")
        for url in (baseline_url, counts_url, page_url, home_url):
            self.warm(url)

        get = Load("get")
        cached = f"0 ({self.counts_statements} every 5 s)"
        self.measure("baseline: minimal Flask JSON", baseline_url, get, None)
        counts_zero = self.measure("GET /api/v1/counts", counts_url, get, 0, cached)
        self.measure(f"GET {page_path}", page_url, get, 0, self.statements_for_get(page_path))
        self.measure("GET / (home)", home_url, get, 0, self.statements_for_get("/"))

        pool = max(5000, 2000 * args.seconds)
        self.seed(args.signatures, pool)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # the cached counts are from before the seed
        total = json.loads(http_get(counts_url)[2])["total"]
        if total != args.signatures:
            raise BenchError(f"/api/v1/counts says {total}, expected {args.signatures}")
        at_n = self.time_counts_query(f"at {args.signatures:,}")
        naive_ms = self.time_naive_count()
        for url in (counts_url, page_url, home_url):
            self.warm(url)
        n = args.signatures
        cached = f"0 ({self.counts_statements} every 5 s)"
        counts_n = self.measure("GET /api/v1/counts", counts_url, get, n, cached)
        self.measure(f"GET {page_path}", page_url, get, n, self.statements_for_get(page_path))
        self.measure("GET / (home)", home_url, get, n, self.statements_for_get("/"))

        self.run_sign(page_url)
        self.run_confirm(page_url)

        self.facts.append(
            f"Counts cost: /api/v1/counts served {counts_n.rps:,.0f} req/s at "
            f"{args.signatures:,} signatures vs {counts_zero.rps:,.0f} at 0 "
            f"(×{counts_n.rps / counts_zero.rps:.2f}); p99 {counts_n.p99_ms:.1f} vs "
            f"{counts_zero.p99_ms:.1f} ms. Uncached (the figures are cached 5 s in Redis), "
            f"queries.public_counts() takes {at_zero}; {at_n}. For contrast, counting the "
            f"signature table takes {naive_ms:.1f} ms at {args.signatures:,} rows."
        )
        self.facts.append(
            f"Reconciling: tallies.reconcile() took {self.reconcile_seconds:.2f} s at "
            f"{args.signatures:,} signatures; it holds LOCK TABLE tally IN EXCLUSIVE MODE "
            "throughout, so confirmations wait that long (it runs hourly, and grows with "
            "the number of signatures)."
        )

    def run_sign(self, page_url: str) -> None:
        args = self.args
        page_path = urlsplit(page_url).path
        self.client = self.app.test_client()  # in process, to count SQL statements
        form = sign_form(self.client.get(page_path, base_url=SITE_URL).get_data(as_text=True))
        sessions = collect_sessions(page_url, args.concurrency)
        time.sleep(SIGN_WAIT_SECONDS)  # the signed form timestamps must age past 3 s
        before = int(self.sql("SELECT count(*) FROM signature"))
        # One sign-up first, checked end to end, so a broken form fails loudly here.
        cookie, fields = sessions[0]
        status, headers = http_post(
            page_url, fields + f"&email=check-{self.run_id}%40example.net", cookie
        )
        if status != 303 or not (headers.get("Location") or "").endswith("/thanks"):
            raise BenchError(f"A valid sign-up was answered {status} {headers.get('Location')}")
        if int(self.sql("SELECT count(*) FROM signature")) != before + 1:
            raise BenchError("A valid sign-up was redirected to /thanks but wrote no signature")
        with self.counting_statements() as seen:
            form["email"] = f"count-{self.run_id}@example.net"
            response = self.client.post(page_path, data=form, base_url=SITE_URL)
        if response.status_code != 303:
            raise BenchError(f"A valid sign-up in process was answered {response.status_code}")

        load = Load("sign", sessions=sessions, run_id=self.run_id)
        result = self.measure(
            f"POST {page_path} (sign)", page_url, load, args.signatures, str(len(seen))
        )

        def written(table: str, where: str = "true") -> int:
            """Rows of `table` belonging to this run's sign-ups."""
            return int(
                self.sql(
                    f"SELECT count(*) FROM {table} AS t JOIN supporter AS p "  # noqa: S608 - fixed names
                    f"ON p.id = t.supporter_id WHERE p.email LIKE :p AND {where}",
                    p=f"bench-{self.run_id}-%",
                )
            )

        supporters = int(
            self.sql(
                "SELECT count(*) FROM supporter WHERE email LIKE :p", p=f"bench-{self.run_id}-%"
            )
        )
        rows = written("signature", "t.confirmed_at IS NULL")
        flagged = written("signature", "t.flagged")
        mails = written("delivery", "t.kind = 'confirm_signature' AND t.status = 'queued'")
        consents = written("consent_record")
        late = rows - result.ok
        self.facts.append(
            f"Sign run: {result.ok:,} answers 303 → /thanks; wrote {supporters:,} supporters, "
            f"{rows:,} signatures ({flagged} flagged), {consents:,} consent records and "
            f"{mails:,} queued confirmation mails"
            + (f" ({late} from requests still in flight when the load stopped)." if late else ".")
        )
        # Requests in flight when the load stops are finished by the server but not counted
        # by the client: at most one per client.
        if not rows == supporters == mails or not 0 <= late <= args.concurrency or flagged:
            raise BenchError(
                f"Sign-ups and rows disagree: {result.ok} redirected, {supporters} supporters, "
                f"{rows} signatures, {mails} mails, {flagged} flagged"
            )

    def run_confirm(self, page_url: str) -> None:
        from campaign.tokens import make_token

        args = self.args
        with self.app.app_context():
            ids = list(
                self.db.session.scalars(
                    self.db.text(
                        "SELECT s.id FROM signature AS s JOIN supporter AS p "
                        "ON p.id = s.supporter_id WHERE p.email LIKE :p ORDER BY s.id"
                    ),
                    {"p": f"pool-{self.run_id}-%"},
                )
            )
            links = [f"/confirm/{make_token('confirm', i)}" for i in ids]

        def pledge_total() -> int:
            return int(
                self.sql(
                    "SELECT coalesce(sum(count), 0) FROM tally WHERE kind = 'total' "
                    "AND pledge_id = :p",
                    p=self.pledge_id,
                )
            )

        before = self.confirmed_signatures()
        with self.counting_statements() as seen:
            # The confirm form is cookieless: the signed link is its proof, no CSRF token.
            response = self.client.post(links.pop(), base_url=SITE_URL)
        if response.status_code != 200 or self.confirmed_signatures() != before + 1:
            raise BenchError(f"A confirmation in process failed ({response.status_code})")

        tally_before, confirmed_before = pledge_total(), self.confirmed_signatures()
        sessions = collect_sessions(page_url, args.concurrency)
        load = Load("confirm", sessions=sessions, links=links)
        result = self.measure(
            "POST /confirm/<token>", self.frontline.base, load, args.signatures, str(len(seen))
        )
        confirmed = self.confirmed_signatures() - confirmed_before
        added = pledge_total() - tally_before
        with self.app.app_context():
            from campaign.pledges import tallies

            tallies.reconcile()
            self.db.session.commit()
        exact = pledge_total() - tally_before
        self.facts.append(
            f"Confirm run: {confirmed:,} signatures confirmed by {result.ok:,} answers; the "
            f"sharded tally rose by {added:,}, and reconciling found {exact:,}."
        )
        if result.requests > len(links):
            result.notes.append(
                f"only {len(links):,} links: the rest re-confirmed (cheaper) — raise the pool"
            )
        if not confirmed == added == exact:
            raise BenchError(
                f"Counts drifted: {confirmed} confirmed, tally +{added}, exact {exact}"
            )

    # -- report

    def report(self) -> None:
        args = self.args
        base = self.results[0]
        print()
        print(
            f"Frontline bench — {os.cpu_count()} CPUs; gunicorn {args.workers} workers × "
            f"{args.threads} threads for each app; PostgreSQL + Redis; load from "
            f"{self.tool_name}; {args.concurrency} clients, {args.seconds} s per run"
        )
        header = (
            f"{'':36} {'signatures':>11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
            f" {'req/s÷base':>11} {'p99÷base':>9}  SQL/request"
        )
        print(header)
        print("-" * len(header))
        for r in self.results:
            sigs = "—" if r.signatures is None else f"{r.signatures:,}"
            print(
                f"{r.label:36} {sigs:>11} {r.rps:>8,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f}"
                f" {r.rps / base.rps:>10.2f}× {r.p99_ms / base.p99_ms:>8.1f}×  {r.statements}"
            )
            for note in r.notes:
                print(f"{'':38}{note}")
        print()
        for fact in self.facts:
            print(f"  {fact}")
        print(
            "  Rate limits: the bench raises SIGN_RATE_LIMIT_* (bench/wsgi.py) because every"
            " request comes from 127.0.0.1; the limits are still checked in Redis on each sign-up."
        )
        print()


class LockSampler:
    """Samples pg_stat_activity every 50 ms: how often a backend of the bench database was
    waiting on a lock (row or table), i.e. whether requests queue behind each other."""

    def __init__(self, database: str):
        self.database = database
        self.samples = 0
        self.waiting: Counter[str] = Counter()
        self._stop = threading.Event()

    def __enter__(self) -> LockSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            while not self._stop.wait(0.05):
                rows = connection.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE datname = %s "
                    "AND state = 'active' AND wait_event_type = 'Lock'",
                    (self.database,),
                ).fetchall()
                self.samples += 1
                for (event,) in rows:
                    self.waiting[event] += 1

    def summary(self) -> str:
        if not self.waiting:
            return ""
        blocked = sum(self.waiting.values()) / max(1, self.samples)
        kinds = ", ".join(f"{k} {v}" for k, v in self.waiting.most_common())
        return f"lock waits: {blocked:.2f} backends waiting on average ({kinds} samples)"


@contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    # Started in the background by a script, SIGINT arrives ignored: stop on it all the same.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def check_services() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL is needed at {PG_ADMIN_URL} (user postgres): {exc}") from exc
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise BenchError(f"Redis is needed at {REDIS_URL}: {exc}") from exc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per run (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients (default 16)")
    parser.add_argument("--signatures", type=int, default=200_000, help="confirmed, seeded")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="load generator"
    )
    parser.add_argument("--profile", metavar="DIR", help="sample Frontline with py-spy into DIR")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy", help="its path")
    parser.add_argument(
        "--profile-gil", action="store_true", help="sample only threads holding the GIL"
    )
    parser.add_argument("--shards", type=int, help="override COUNT_SHARDS (an experiment)")
    args = parser.parse_args()

    version = wrk_version()
    tool = args.client if args.client != "auto" else ("wrk" if version else "python")
    if tool == "wrk" and not version:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if tool == "python" and args.client == "auto":
        say("wrk not found (apt-get install wrk): using the slower Python client instead")
    try:
        check_services()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as tmp, terminate_on_sigterm():
        bench = Bench(args, tool, Path(tmp))
        bench.tool_name = version if tool == "wrk" else "Python keep-alive clients"
        try:
            bench.run()
            bench.report()
        except BenchError as exc:
            print(f"\nbench: {exc}", file=sys.stderr)
            for server in bench.servers:
                print(f"--- {server.name} log ---\n{server.tail()}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nbench: interrupted", file=sys.stderr)
            return 130
        finally:
            bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
