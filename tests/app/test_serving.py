"""gunicorn as the README runs it in production: gunicorn.conf.py and the README's
environment, no client address in any log line (PRIV-09), and under load every
keep-alive POST answered (bench/keepalive.py has the figures)."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench import keepalive
from campaign import create_app, serve
from tests.conftest import ROOT, free_port

BIN = Path(sys.executable).parent
CLIENT_ADDRESSES = ("127.0.0.1", "::1", "203.0.113.7")  # 203.0.113.7: X-Forwarded-For
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def readme_production_command(program: str) -> list[str]:
    """The `program …` line of the README's production recipe, as its arguments."""
    readme = (ROOT / "README.md").read_text()
    recipe = readme.split("### Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    line = next(x for x in recipe.splitlines() if x.startswith(f"{program} "))
    return shlex.split(line.split("#", 1)[0])


@pytest.fixture
def production_env(tmp_path: Path, smtp_server) -> dict[str, str]:
    """The README's production settings, pointed at this machine (SQLite instead of
    PostgreSQL: what is tested here is serving), with the schema upgraded."""
    _, smtp_port = smtp_server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONTLINE_", "MAIL_"))}
    env.update(
        FRONTLINE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        SITE_URL="https://frontline.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'frontline.sqlite3'}",
        REDIS_URL="",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_DEFAULT_SENDER="Frontline <hello@frontline.test>",
        MAIL_BOUNCE_ADDRESS="bounces@frontline.test",
        ORG_NAME="Frontline test",
        TRUSTED_PROXIES="1",
        HOST="127.0.0.1",
        PORT=str(free_port()),
    )
    subprocess.run(  # noqa: S603 - fixed argv
        [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


@contextmanager
def gunicorn(
    args: list[str], env: dict[str, str], logs: Path, *binds: tuple[str, int]
) -> Iterator[Path]:
    """gunicorn started as `args` from the top of the checkout, until it accepts on every
    (host, port); yields the file its standard output and error go to."""
    log = logs / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the test's own argv
            [str(BIN / args[0]), *args[1:]], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        for bind in binds:
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    socket.create_connection(bind, timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def exchange(family: socket.AddressFamily, port: int, request: bytes) -> bytes:
    """One raw request, as a client that closes after the answer; the answer's head."""
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    with socket.socket(family) as sock:
        sock.settimeout(10)
        sock.connect((host, port))
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0]


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: frontline.test", *headers, "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_the_readme_production_command_serves_https_pages(production_env, tmp_path):
    """The README's gunicorn line, its environment and gunicorn.conf.py: listening on
    HOST:PORT, answering as the site behind a TLS proxy (HSTS, Secure __Host- cookie)."""
    command = readme_production_command("gunicorn")
    assert "gunicorn.conf.py" in command
    port = int(production_env["PORT"])
    with gunicorn(command, production_env, tmp_path, ("127.0.0.1", port)) as log:
        proxied = ("X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7")
        privacy = exchange(socket.AF_INET, port, get("/privacy", *proxied))
        login = exchange(socket.AF_INET, port, get("/accounts/login", *proxied))
    assert privacy.startswith(b"HTTP/1.1 200 ")
    assert b"Strict-Transport-Security: max-age=" in privacy
    assert login.startswith(b"HTTP/1.1 200 ")
    cookie = next(x for x in login.split(b"\r\n") if x.lower().startswith(b"set-cookie:"))
    assert b"__Host-session=" in cookie and b"Secure" in cookie
    output = log.read_text()
    assert f"Listening at: http://127.0.0.1:{port} " in output
    assert '"GET /privacy HTTP/1.1" 200' in output


def test_no_client_address_in_any_gunicorn_log_line(production_env, tmp_path):
    """Over IPv4 and IPv6, good requests and bad ones (an over-long URL, malformed
    headers, an application error): nothing gunicorn prints names a client, and the
    access log keeps no emailed token or query string."""
    (tmp_path / "probe.py").write_text(
        "from app import app as frontline\n"
        "frontline.add_url_rule('/app-error/<token>', 'app_error', lambda token: 1 / 0)\n"
        "def app(environ, start_response):\n"
        "    if environ['PATH_INFO'].startswith('/wsgi-error/'):\n"
        "        raise RuntimeError('an error gunicorn itself reports')\n"
        "    return frontline(environ, start_response)\n"
    )
    port, port6 = free_port(), free_port()
    args = ["gunicorn", "-c", "gunicorn.conf.py", "--pythonpath", str(tmp_path)]
    args += ["--bind", f"127.0.0.1:{port}", "--bind", f"[::1]:{port6}", "probe:app"]
    token = "MTIz.aw9BFw.to_UykT2WaBQbvv2NDelyzgxPoE"
    requests = {
        get("/privacy"): b"200",
        get("/privacy", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https"): b"200",
        get(f"/confirm/{token}?email=asha%40example.org"): b"404",
        get("/no-such-page"): b"404",
        get(f"/app-error/{token}"): b"500",
        get(f"/wsgi-error/{token}"): b"500",
        get("/" + "a" * 5000): b"414",
        get("/", "Bad Header"): b"400",
        get("/", "X-Forwarded-For 203.0.113.7"): b"400",
        get("/", "X-Big: " + "b" * 9000): b"431",
        b"NONSENSE\r\n\r\n": b"400",
    }
    binds = ("127.0.0.1", port), ("::1", port6)
    with gunicorn(args, production_env, tmp_path, *binds) as log:
        for family, to in ((socket.AF_INET, port), (socket.AF_INET6, port6)):
            for request, status in requests.items():
                answer = exchange(family, to, request)
                assert answer.split(b" ")[1] == status, (request[:60], answer[:200])
    output = log.read_text()
    assert "Invalid request from ip=[address]: Request Line is too large" in output
    assert "Error handling request GET /wsgi-error/[token]" in output
    assert "Exception on /app-error/[token] [GET]" in output  # the app's own error log
    assert "ZeroDivisionError" in output
    assert '"GET /confirm/[token]?… HTTP/1.1" 404' in output
    assert token not in output and "asha" not in output

    listening = f"Listening at: http://127.0.0.1:{port},http://[::1]:{port6} ("
    assert listening in output  # the bind addresses: configuration, not a client
    rest = output.replace(listening, "")
    for address in CLIENT_ADDRESSES:
        assert address not in rest
    assert not IPV4.findall(rest)


def test_every_keep_alive_post_under_load_gets_an_answer(tmp_path):
    """200 clients POST on kept-alive connections, half of them pausing up to 3 s between
    requests as a proxy reuses its pooled connections: gunicorn never closes an idle
    connection a client is about to use, so no request is lost without an answer."""
    port = free_port()
    args = ["gunicorn", "-c", "gunicorn.conf.py", "--pythonpath", str(ROOT / "bench")]
    args += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "keepalive:app"]
    with gunicorn(args, dict(os.environ), tmp_path, ("127.0.0.1", port)):
        seen = keepalive.drive("127.0.0.1", port, clients=200, seconds=6, pause=3)
    print(dict(seen))
    assert seen["answered"] > 400
    assert seen["lost"] == seen["timed out"] == seen["refused"] == 0
    assert seen["closed idle"] == 0  # each one a request lost had it been sent a moment later


def test_flask_serve_runs_gunicorn_with_the_repository_config(tmp_path, monkeypatch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serve.sqlite3'}"})
    started = []

    class Finished:
        def __init__(self, argv: list[str]) -> None:
            started.append(argv)

        def poll(self) -> int:
            return 0

        def wait(self, timeout: float) -> int:
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", Finished)
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)  # pytest's own SIGTERM
    result = app.test_cli_runner().invoke(args=["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    web = started[0]
    assert web[web.index("--config") + 1] == str(ROOT / "gunicorn.conf.py")
    assert (ROOT / "gunicorn.conf.py").is_file()
    assert web[web.index("--workers") + 1] == "3"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Invalid request from ip=127.0.0.1: bad", "Invalid request from ip=[address]: bad"),
        ("Invalid request from ip=::1: bad", "Invalid request from ip=[address]: bad"),
        ("from ('192.0.2.10', 51234)", "from ('[address]', 51234)"),
        ("peer [2001:db8::7]:443 and ::ffff:10.1.2.3", "peer [[address]]:443 and [address]"),
        ("http://198.51.100.4:8000/x", "http://[address]:8000/x"),
        ("[2026-12-01 21:47:24 +0000] [2896] 27.0.1 deadbeef", None),
        ("std::string a:b 00:1a:2b:3c:4d:5e", None),
    ],
)
def test_log_lines_lose_their_addresses_and_nothing_else(line, expected):
    assert serve.redact_addresses(line) == (expected or line)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/confirm/MQ.aw9DIw.4KJWS2B6VKuuj6vaucllvljVH88", "/confirm/[token]"),
        ("/my-data/MQ.aw9DIw.G3KBDyEw8XQ9BZywcR54fCswa2I/erase", "/my-data/[token]/erase"),
        ("/admin/signatures?q=asha%40example.org", "/admin/signatures?…"),
        ("/static/css/site.min.css", "/static/css/site.min.css"),
        ("/pledges/housing-and-homelessness", "/pledges/housing-and-homelessness"),
        ("on /u/MQ.aw9DIw.G3KBDyEw8XQ9BZywcR54fCswa2I [POST]", "on /u/[token] [POST]"),
    ],
)
def test_access_log_targets_lose_tokens_and_query_strings(target, expected):
    assert serve.redact_target(target) == expected
    assert serve.redact_tokens(target.partition("?")[0]) == expected.partition("?")[0]
