"""Frontline opened in this process: the very app the servers run (bench/wsgi.py, rate
limits and all), for seeding, checking rows, and the figures taken without HTTP (the SQL
statements one request runs, the uncached counts query, a plain count)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, event, text

from bench.serving import SITE_URL, BenchError
from campaign.extensions import db
from campaign.pledges import queries
from campaign.pledges.models import Pledge, Sector


class LocalApp:
    def __init__(self, env: dict[str, str]):
        os.environ.update(env)
        from bench.wsgi import app  # builds the app from the environment just set

        self.app = app
        self.db = db
        with self.app.app_context():
            first = db.session.execute(
                db.select(Pledge.slug, Pledge.id)
                .join(Sector)
                .order_by(Sector.position, Pledge.position)
                .limit(1)
            ).one()
        # The bench pledge: the first one shown, whose page is loaded, signed and confirmed.
        self.slug, self.pledge_id = first

    def dispose(self) -> None:
        with self.app.app_context():
            self.db.engine.dispose()

    def sql(self, statement: str, **params: Any) -> Any:
        """Run one statement in a transaction of its own; its first value, if any."""
        with self.app.app_context():
            # A text() statement gives a CursorResult, which session.execute types as Result.
            result = cast("CursorResult[Any]", self.db.session.execute(text(statement), params))
            value = result.scalar() if result.returns_rows else None
            self.db.session.commit()
            return value

    def confirmed_signatures(self) -> int:
        return int(
            self.sql(
                "SELECT count(*) FROM signature WHERE confirmed_at IS NOT NULL AND NOT flagged"
            )
        )

    @contextmanager
    def counting_statements(self) -> Iterator[list[str]]:
        """The SQL statements run meanwhile (the pool's pre-ping, not seen here, adds one
        round trip per request)."""
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

    def time_counts_query(self) -> tuple[float, int]:
        """The uncached cost of the figures behind /api/v1/counts (the endpoint caches
        them for 5 s in Redis, so under load it mostly measures the cache): the median
        in ms, and the SQL statements it runs."""
        timings = []
        with self.app.app_context(), self.counting_statements() as seen:
            for _ in range(30):
                self.db.session.expire_all()
                started = time.perf_counter()
                queries.public_counts.uncached()
                timings.append(time.perf_counter() - started)
                self.db.session.rollback()
        return statistics.median(timings) * 1000, len(seen) // 30

    def time_naive_count(self) -> float:
        """What a count over the signature table costs, for contrast."""
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            self.confirmed_signatures()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000
