"""The report: a table of the measured runs, each also as a ratio to the baseline (the
first run), then what the checks found and what the figures say about counting and
reconciling. bench/README.md says what each column means."""

from __future__ import annotations

import os

from bench.runs import Result


def counts_cost(
    counts_zero: Result,
    counts_n: Result,
    signatures: int,
    uncached_zero: tuple[float, int],
    uncached_n: tuple[float, int],
    naive_ms: float,
) -> str:
    """What /api/v1/counts costs with none and with `signatures` signatures; the
    uncached figures are (median ms, SQL statements) of queries.public_counts()."""
    return (
        f"Counts cost: /api/v1/counts served {counts_n.rps:,.0f} req/s at "
        f"{signatures:,} signatures vs {counts_zero.rps:,.0f} at 0 "
        f"(×{counts_n.rps / counts_zero.rps:.2f}); p99 {counts_n.p99_ms:.1f} vs "
        f"{counts_zero.p99_ms:.1f} ms. Uncached (the figures are cached 5 s in Redis), "
        f"queries.public_counts() takes at 0 signatures: {uncached_zero[0]:.1f} ms, "
        f"{uncached_zero[1]} SQL statements; at {signatures:,}: {uncached_n[0]:.1f} ms, "
        f"{uncached_n[1]} SQL statements. For contrast, counting the signature table takes "
        f"{naive_ms:.1f} ms at {signatures:,} rows."
    )


def reconciling(seconds: float, signatures: int) -> str:
    return (
        f"Reconciling: tallies.reconcile() took {seconds:.2f} s at "
        f"{signatures:,} signatures; it holds LOCK TABLE tally IN EXCLUSIVE MODE "
        "throughout, so confirmations wait that long (it runs hourly, and grows with "
        "the number of signatures)."
    )


def print_report(
    results: list[Result],
    facts: list[str],
    *,
    load_tool: str,
    workers: int,
    threads: int,
    concurrency: int,
    seconds: int,
) -> None:
    base = results[0]
    print()
    print(
        f"Frontline bench — {os.cpu_count()} CPUs; gunicorn {workers} workers × "
        f"{threads} threads for each app; PostgreSQL + Redis; load from "
        f"{load_tool}; {concurrency} clients, {seconds} s per run"
    )
    header = (
        f"{'':36} {'signatures':>11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'req/s÷base':>11} {'p99÷base':>9}  SQL/request"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        sigs = "—" if r.signatures is None else f"{r.signatures:,}"
        print(
            f"{r.label:36} {sigs:>11} {r.rps:>8,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f}"
            f" {r.rps / base.rps:>10.2f}× {r.p99_ms / base.p99_ms:>8.1f}×  {r.statements}"
        )
        for note in r.notes:
            print(f"{'':38}{note}")
    print()
    for fact in facts:
        print(f"  {fact}")
    print(
        "  Rate limits: the bench raises SIGN_RATE_LIMIT_* (bench/wsgi.py) because every"
        " request comes from 127.0.0.1; the limits are still checked in Redis on each sign-up."
    )
    print()
