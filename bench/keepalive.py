"""Keep-alive under load: does every POST on a reused connection get an answer?

    .venv/bin/python bench/keepalive.py [--clients 200] [--seconds 10] [--pause 3]

Serves a tiny WSGI app (`app` below: reads the body, spends a few ms of CPU, answers)
with gunicorn and the repository's gunicorn.conf.py, once as it is and once with
gunicorn's default keep-alive (2 s), and drives each with keep-alive clients that POST:
half send their next request as soon as the answer is in, half pause up to --pause
seconds first, as a reverse proxy reuses a pooled connection or a person moves on to the
next page. Prints what happened to every request. Figures, not a test;
tests/app/test_serving.py runs the same clients against the configuration and asserts.

Each client is careful the way browsers, urllib3 and nginx are: before reusing a
connection it checks whether the server has closed it meanwhile, and if so opens a new
one (counted as `closed idle`: safe this time, but the same close a moment later, while
the request is on its way, loses the request). `lost` counts requests sent on a
connection that looked open and answered by a close or a reset instead of a response:
the client cannot know whether the server acted on them, so a POST cannot be resent.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import hashlib
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("answered", "answered with close", "closed idle", "lost", "timed out", "refused")


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The app under load: a few milliseconds of CPU per request, like a small view."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ["PATH_INFO"] == "/error":
        raise RuntimeError("an application error, for the log")
    until = time.perf_counter() + 0.005
    while time.perf_counter() < until:
        hashlib.sha256(body).digest()
    answer = f"signed {len(body)}\n".encode()
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))]
    start_response("200 OK", headers)
    return [answer]


def request_bytes(method: str, host: str, path: str, *, form: str = "", cookie: str = "") -> bytes:
    """An HTTP/1.1 request as it goes on the wire; a POST carries `form` (URL-encoded)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    if method == "GET":
        return f"{head}\r\n".encode()
    body = form.encode()
    head += "Content-Type: application/x-www-form-urlencoded\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, timeout: float
) -> tuple[int, dict[str, str]]:
    """Send `request` on an open connection and read the whole answer: its status and its
    headers (names and values in lower case). Raises TimeoutError when no answer starts
    within `timeout` seconds, OSError or IncompleteReadError when the connection is
    closed or reset instead."""
    writer.write(request)
    status = await asyncio.wait_for(reader.readline(), timeout)
    if not status:
        raise ConnectionResetError("closed without an answer")
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status.split()[1]), headers


async def _client(host: str, port: int, until: float, pause: float, seen: Counter[str]) -> None:
    form = "email=someone%40example.net&postcode=SW1A+1AA&consent=y"
    request = request_bytes("POST", "frontline.test", "/pledges/gp-surgeries", form=form)
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.monotonic() < until:
        if connection is not None and connection[0].at_eof():
            seen["closed idle"] += 1
            connection[1].close()
            connection = None
        if connection is None:
            try:
                connection = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            except (OSError, TimeoutError):
                seen["refused"] += 1
                await asyncio.sleep(0.1)
                continue
        reader, writer = connection
        try:
            _, headers = await exchange(reader, writer, request, timeout=30)
        except TimeoutError:
            seen["timed out"] += 1
            writer.close()
            connection = None
            continue
        except (OSError, asyncio.IncompleteReadError):
            seen["lost"] += 1
            writer.close()
            connection = None
            continue
        if headers.get("connection") == "close":
            seen["answered with close"] += 1
            writer.close()
            connection = None
        else:
            seen["answered"] += 1
        if pause:
            await asyncio.sleep(random.uniform(0, pause))
    if connection is not None:
        connection[1].close()


def drive(host: str, port: int, *, clients: int, seconds: float, pause: float) -> Counter[str]:
    """`clients` keep-alive clients POSTing for `seconds`; every other one pauses up to
    `pause` seconds between requests. What happened to the requests, by outcome."""

    async def run() -> Counter[str]:
        seen: Counter[str] = Counter()
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(_client(host, port, until, pause * (i % 2), seen) for i in range(clients))
        )
        return seen

    # In a thread of its own, so that it also works from a process that already runs an
    # event loop (the test suite, once Playwright has started).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, *extra: str) -> subprocess.Popen[bytes]:
    """gunicorn with the repository's configuration, serving `app` above."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--pythonpath",
        str(ROOT / "bench"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        *extra,
        "keepalive:app",
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pause", type=float, default=3, help="most a client waits (s)")
    args = parser.parse_args()
    runs = {
        "gunicorn.conf.py with gunicorn's default keep-alive (2 s)": ("--keep-alive", "2"),
        "gunicorn.conf.py as it is": (),
    }
    print(f"{args.clients} clients, {args.seconds:g} s, half pausing up to {args.pause:g} s")
    for label, extra in runs.items():
        port = free_port()
        server = serve(port, *extra)
        try:
            seen = drive(
                "127.0.0.1", port, clients=args.clients, seconds=args.seconds, pause=args.pause
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        sent = sum(seen[k] for k in ("answered", "answered with close", "lost", "timed out"))
        figures = ", ".join(f"{seen[k]:,} {k}" for k in OUTCOMES if seen[k])
        print(f"- {label}: {sent:,} POSTs sent: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
