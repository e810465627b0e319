"""Benchmark Frontline on PostgreSQL + Redis behind gunicorn, against a minimal Flask app.

    .venv/bin/python bench/run.py [--seconds 10] [--concurrency 16] [--signatures 200000]

Prints figures; it is not a test and asserts nothing about speed. It fails only when the
app answers wrongly (a sign-up not redirected to the thanks page, a row not written).
See bench/README.md for what each figure means. Everything it creates (a database, two
gunicorn servers, keys in one Redis database) is removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# bench/ imports as the package gunicorn serves (bench.wsgi:app), next to campaign/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import checks, report, seeding, serving
from bench.in_process import LocalApp
from bench.load import Load, wrk_version
from bench.runs import Profiler, Runner
from bench.serving import BenchError, Server, say


class Bench:
    """One run of the bench, step by step, and what it started: `cleanup()` stops and
    removes all of it again, also after an error or Ctrl-C."""

    def __init__(self, args: argparse.Namespace, tool: str, workdir: Path):
        self.args, self.workdir = args, workdir
        self.run_id = secrets.token_hex(4)
        self.database = f"frontline_bench_{self.run_id}"
        self.env = serving.app_env(self.database, shards=args.shards)
        self.servers: list[Server] = []
        self.local: LocalApp | None = None
        self.runner = Runner(tool, args.seconds, args.concurrency, workdir, self.database)
        self.facts: list[str] = []

    def run(self) -> None:
        args, runner, n = self.args, self.runner, self.args.signatures
        seeding.create_database(self.database, self.env)
        local = self.local = LocalApp(self.env)
        uncached_zero = local.time_counts_query()
        frontline, baseline = serving.start_servers(
            self.env, self.workdir, workers=args.workers, threads=args.threads, started=self.servers
        )
        if args.profile:
            runner.profiler = Profiler(frontline, Path(args.profile), args.py_spy, args.profile_gil)
        page_path = f"/pledges/{local.slug}"
        counts_url = frontline.base + "/api/v1/counts"
        page_url = frontline.base + page_path
        home_url = frontline.base + "/"
        baseline_url = baseline.base + "/ping"
        say("Warming up …")
        for url in (baseline_url, counts_url, page_url, home_url):
            runner.warm(url)

        # With no signatures.
        get = Load("get")
        runner.measure("baseline: minimal Flask JSON", baseline_url, get, None)
        counts_zero = runner.measure(
            "GET /api/v1/counts", counts_url, get, 0, cached_statements(uncached_zero)
        )
        runner.measure(f"GET {page_path}", page_url, get, 0, local.statements_for_get(page_path))
        runner.measure("GET / (home)", home_url, get, 0, local.statements_for_get("/"))

        # With `--signatures` of them.
        pool = max(5000, 2000 * args.seconds)  # unconfirmed, for the confirm run
        reconcile_seconds = seeding.seed(local, run_id=self.run_id, signatures=n, pool=pool)
        serving.flush_redis()  # the cached counts are from before the seed
        checks.counted(counts_url, n)
        uncached_n = local.time_counts_query()
        naive_ms = local.time_naive_count()
        for url in (counts_url, page_url, home_url):
            runner.warm(url)
        counts_n = runner.measure(
            "GET /api/v1/counts", counts_url, get, n, cached_statements(uncached_n)
        )
        runner.measure(f"GET {page_path}", page_url, get, n, local.statements_for_get(page_path))
        runner.measure("GET / (home)", home_url, get, n, local.statements_for_get("/"))
        site, run_id = frontline.base, self.run_id
        sign = checks.sign_run(runner, local, site, page_path, run_id=run_id, signatures=n)
        confirm = checks.confirm_run(runner, local, site, page_path, run_id=run_id, signatures=n)

        self.facts += [
            sign,
            confirm,
            report.counts_cost(counts_zero, counts_n, n, uncached_zero, uncached_n, naive_ms),
            report.reconciling(reconcile_seconds, n),
        ]

    def print_report(self, load_tool: str) -> None:
        report.print_report(
            self.runner.results,
            self.facts,
            load_tool=load_tool,
            workers=self.args.workers,
            threads=self.args.threads,
            concurrency=self.args.concurrency,
            seconds=self.args.seconds,
        )

    def cleanup(self) -> None:
        for server in self.servers:
            server.stop()
        if self.local is not None:
            with suppress(Exception):
                self.local.dispose()
        with suppress(Exception):
            seeding.drop_database(self.database)
        with suppress(Exception):
            serving.flush_redis()
            say(f"Flushed Redis {serving.REDIS_URL}")


def cached_statements(uncached: tuple[float, int]) -> str:
    """The SQL of /api/v1/counts: none while its figures are cached, the counts query's
    statements once every 5 s."""
    return f"0 ({uncached[1]} every 5 s)"


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


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
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
    return parser


def main() -> int:
    args = options().parse_args()
    version = wrk_version()
    tool = args.client if args.client != "auto" else ("wrk" if version else "python")
    if tool == "wrk" and not version:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if tool == "python" and args.client == "auto":
        say("wrk not found (apt-get install wrk): using the slower Python client instead")
    try:
        serving.check_services()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as tmp, terminate_on_sigterm():
        bench = Bench(args, tool, Path(tmp))
        try:
            bench.run()
            bench.print_report(
                version if tool == "wrk" and version else "Python keep-alive clients"
            )
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
