"""Load: what each client sends, and `--concurrency` clients sending it for `--seconds`,
with wrk when installed (driven by bench/wrk.lua), else with Python keep-alive clients
(bench/keepalive.py's exchange) in one process per CPU."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.keepalive import exchange, request_bytes
from bench.serving import ROOT, BenchError, http_get

POSTCODE = "SW1A 1AA"


@dataclass
class Load:
    """How requests are sent: `mode` get, sign or confirm (see bench/wrk.lua)."""

    mode: str
    sessions: list[tuple[str, str]] = field(default_factory=list)  # (Cookie, form fields)
    run_id: str = ""
    links: list[str] = field(default_factory=list)


# --- what a client sends ----------------------------------------------------------------


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


def hidden_fields(html: str) -> dict[str, str]:
    """The names and values of a page's hidden inputs."""
    hidden = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if 'type="hidden"' in tag and name:
            value = re.search(r'value="([^"]*)"', tag)
            hidden[name.group(1)] = value.group(1) if value else ""
    return hidden


def sign_form(html: str) -> dict[str, str]:
    """A valid sign form: the page's hidden fields (the signed timestamp) and
    answers a person would give, less the email address, which must differ each time."""
    hidden = hidden_fields(html)
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


# --- load generators: wrk when installed, else Python clients in a few processes ----------


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"


def drive(
    tool: str, url: str, load: Load, *, seconds: int, concurrency: int, workdir: Path
) -> dict[str, Any]:
    """Load `url` and return the figures a `Result` is made of."""
    if tool == "wrk":
        return _drive_wrk(url, load, seconds=seconds, concurrency=concurrency, workdir=workdir)
    return _drive_python(url, load, seconds=seconds, concurrency=concurrency)


def _drive_wrk(
    url: str, load: Load, *, seconds: int, concurrency: int, workdir: Path
) -> dict[str, Any]:
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
        f"--script={ROOT / 'bench' / 'wrk.lua'}",
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


def _drive_python(url: str, load: Load, *, seconds: int, concurrency: int) -> dict[str, Any]:
    """Keep-alive clients spread over processes, so one GIL is not the limit."""
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
) -> dict[str, Any]:
    """`count` clients, numbered from `offset`, on one event loop in this process."""
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path

    async def client(index: int) -> dict[str, Any]:
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        ok = unexpected = errors = n = 0
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        await asyncio.sleep(max(0.0, start_at - time.time()))
        end = start_at + seconds
        while time.time() < end:
            n += 1
            method, target, cookie, form = "GET", path, "", ""
            if load.mode != "get":
                cookie, form = load.sessions[(n + index) % len(load.sessions)]
                method = "POST"
                if load.mode == "sign":
                    form += f"&email=bench-{load.run_id}-{index}-{n}%40example.net"
                else:
                    target = load.links[((n - 1) * concurrency + index) % len(load.links)]
            request = request_bytes(method, parts.netloc, target, form=form, cookie=cookie)
            started = time.perf_counter()
            try:
                if connection is None or connection[0].at_eof():
                    if connection is not None:
                        connection[1].close()
                    connection = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
                status, headers = await exchange(*connection, request, timeout=10)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                errors += 1
                if connection is not None:
                    connection[1].close()
                connection = None
                continue
            latencies.append(time.perf_counter() - started)
            if load.mode == "sign":
                good = status == 303 and headers.get("location", "").endswith("/thanks")
            else:
                good = status == 200
            ok, unexpected = ok + good, unexpected + (not good)
            if not good:
                statuses[str(status)] += 1
            if headers.get("connection") == "close":
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()
        return {
            "latencies": latencies,
            "ok": ok,
            "unexpected": unexpected,
            "errors": errors,
            "statuses": statuses,
        }

    async def clients() -> list[dict[str, Any]]:
        return await asyncio.gather(*(client(offset + i) for i in range(count)))

    results = asyncio.run(clients())
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
