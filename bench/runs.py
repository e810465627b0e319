"""One measured run: the load, the lock waits sampled meanwhile, with --profile the
Frontline workers profiled, and the wait for requests still in flight; its `Result` is
a row of the report."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.load import Load, drive
from bench.serving import PG_ADMIN_URL, BenchError, Server, http_get, say


@dataclass
class Result:
    """One measured run: a row of the report."""

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


@dataclass
class Profiler:
    """--profile DIR: py-spy sampling the Frontline workers during each of their runs."""

    server: Server
    directory: Path
    py_spy: str
    gil_only: bool

    @contextmanager
    def sampling(self, name: str) -> Iterator[None]:
        """Collapsed stacks into DIR/<name>.txt (flamegraph.pl or speedscope read them)."""
        out = self.directory / f"{name}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [
            self.py_spy,
            "record",
            f"--pid={self.server.process.pid}",
            "--subprocesses",
            "--format=raw",
            "--rate=200",
            f"--output={out}",
        ]
        if self.gil_only:
            command.append("--gil")
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # let py-spy attach before the load starts
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            spy.wait(timeout=30)
            say(f"profile: {out}")


@dataclass
class Runner:
    """Measures one run after another with the same tool, clients and duration."""

    tool: str
    seconds: int
    concurrency: int
    workdir: Path
    database: str
    profiler: Profiler | None = None
    results: list[Result] = field(default_factory=list)

    def measure(
        self, label: str, url: str, load: Load, signatures: int | None, statements: str = ""
    ) -> Result:
        """Load `url`, add its row to the results, and stop the bench if any answer was
        not what a working app gives."""
        say(f"{label}: {self.seconds} s at {self.concurrency} clients …")
        with LockSampler(self.database) as sampler, self.profiling(label, url):
            figures = drive(
                self.tool,
                url,
                load,
                seconds=self.seconds,
                concurrency=self.concurrency,
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

    def profiling(self, label: str, url: str) -> AbstractContextManager[None]:
        if self.profiler is None or not url.startswith(self.profiler.server.base):
            return nullcontext()
        name = re.sub(r"[^a-z0-9]+", "-", f"{label} {len(self.results)}".lower()).strip("-")
        return self.profiler.sampling(name)

    def settle(self) -> None:
        """Wait for requests still in flight when the load stopped (the server finishes
        them after the client has gone), so rows counted next are final."""
        deadline = time.time() + 30
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            while time.time() < deadline:
                time.sleep(0.5)
                row = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle'",
                    (self.database,),
                ).fetchone()
                if not row or not row[0]:
                    return

    def warm(self, url: str) -> None:
        """Load the URL briefly, unmeasured, so no run pays for first-request costs
        (connections, prepared statements, compiled templates) that later runs don't."""
        for _ in range(20):
            http_get(url)
        seconds = min(2, self.seconds)
        drive(self.tool, url, Load("get"), seconds=seconds, concurrency=4, workdir=self.workdir)
