"""The site as it runs in production, used in Chromium: every flow a person uses.

`FRONTLINE_ENV=production` over real TLS (a throwaway certificate made here with trustme),
gunicorn with the repository's gunicorn.conf.py, PostgreSQL, Redis for the queue, rate
limits and cache, a Huey worker process, and mail through a real SMTP server (aiosmtpd).
The database is made by `flask db upgrade` and `flask demo`, the admin by `flask accounts
create-admin`, exactly as the README says. A worker signs a pledge (a password manager
fills the form at once, so there is one more step), confirms from the email that
arrived, and manages their data; public pages set no cookie; an admin signs in with a
password and an authenticator code.

A form that works only in development was the failure this guards against: with our
`Referrer-Policy: no-referrer`, Flask-WTF's HTTPS Referer check refused every form.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyotp
import pytest
import redis
import trustme
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.browser.conftest import PHONE, launch_chromium
from tests.conftest import (
    REDIS_URL,
    ROOT,
    SMTPRecorder,
    free_port,
    fresh_postgres_database,
    service_unavailable,
)

pytestmark = pytest.mark.browser

HOST = "frontline.test"  # production refuses a localhost SITE_URL; Chromium maps it here
ADMIN = {
    "email": "ada@example.org",
    "name": "Ada Admin",
    "password": "a lighthouse keeper counts the gulls",
}
WORKER = {"name": "Siân Llŷr", "email": "sian@example.org", "postcode": "LL55 4UR"}
PLEDGE = "/pledges/gp-surgeries"
BIN = Path(sys.executable).parent


@dataclass
class ProductionSite:
    url: str
    env: dict[str, str]
    log: Path

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until every web worker has booted and answers over TLS (not merely the socket)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + 60
    answered = 0
    while time.monotonic() < deadline and answered < 4:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped:\n{log.read_text()}")
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
        try:
            connection.request("GET", "/privacy", headers={"Host": f"{HOST}:{port}"})
            answered += connection.getresponse().status == 200
        except OSError:
            time.sleep(0.3)
        finally:
            connection.close()
    if answered < 4:
        raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def production_site(
    tmp_path_factory: pytest.TempPathFactory,
    postcode_db: Path,
    smtp_server: tuple[SMTPRecorder, int],
) -> Iterator[ProductionSite]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        service_unavailable("Redis")
    tmp = tmp_path_factory.mktemp("production")
    ca = trustme.CA()
    certificate = ca.issue_cert(HOST)
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    certificate.private_key_pem.write_to_path(key)
    certificate.cert_chain_pems[0].write_to_path(cert)

    with ExitStack() as cleanup:
        database_url = cleanup.enter_context(fresh_postgres_database("frontline_production"))
        env = production_environment(tmp, database_url, postcode_db, smtp_server[1])
        cleanup.callback(forget_redis_keys, env["HUEY_NAME"])
        _run(env, "db", "upgrade")
        _run(env, "demo")
        _run(env, "accounts", "create-admin")
        log = cleanup.enter_context((tmp / "server.log").open("wb"))
        web = cleanup.enter_context(
            running(
                str(BIN / "gunicorn"),
                "app:app",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{env['PORT']}",
                "--workers",
                "2",
                "--certfile",
                str(cert),
                "--keyfile",
                str(key),
                env=env,
                log=log,
            )
        )
        cleanup.enter_context(
            running(str(BIN / "flask"), "--app", "app", "jobs", "worker", env=env, log=log)
        )
        _wait_until_serving(int(env["PORT"]), web, Path(log.name))
        yield ProductionSite(env["SITE_URL"], env, Path(log.name))


def production_environment(
    tmp: Path, database_url: str, postcode_db: Path, smtp_port: int
) -> dict[str, str]:
    """The README's production settings, pointed at this machine's services."""
    port = free_port()
    deployment = f"frontline-prod-test-{uuid.uuid4().hex[:8]}"
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "PORT": str(port),
        "FRONTLINE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SITE_URL": f"https://{HOST}:{port}",
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://", 1),
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": deployment,
        "RATELIMIT_KEY_PREFIX": deployment,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_DEFAULT_SENDER": f"Frontline <hello@{HOST}>",
        "MAIL_BOUNCE_ADDRESS": f"bounces@{HOST}",
        "ORG_NAME": "Frontline test campaign",
        "ORG_POSTAL_ADDRESS": "PO Box 1, Cardiff CF10 1AA",
        "ORG_CONTACT_EMAIL": f"privacy@{HOST}",
        "POSTCODE_DB": str(postcode_db),
        "FRONTLINE_ADMIN_EMAIL": ADMIN["email"],
        "FRONTLINE_ADMIN_NAME": ADMIN["name"],
        "FRONTLINE_ADMIN_PASSWORD": ADMIN["password"],
    }


@contextmanager
def running(*argv: str, env: dict[str, str], log: IO[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own commands
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def forget_redis_keys(deployment: str) -> None:
    store = redis.Redis.from_url(REDIS_URL)
    for redis_key in store.scan_iter(f"*{deployment}*"):
        store.delete(redis_key)


@pytest.fixture(scope="module")
def production_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright, f"--host-resolver-rules=MAP {HOST} 127.0.0.1")
    yield browser
    browser.close()


def wait_for_mail(smtp: SMTPRecorder, address: str, subject: str, timeout: float = 30) -> str:
    """The text of the newest message with this subject the worker delivered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp.to(address) if m.message["Subject"] == subject]
        if found:
            return found[-1].text
        time.sleep(0.2)
    raise AssertionError(f"no {subject!r} for {address} within {timeout} s: {smtp.messages}")


def link_in(text: str, fragment: str) -> str:
    return next(u for u in re.findall(r"https?://\S+", text) if fragment in u)


def test_a_worker_signs_confirms_and_manages_their_data_with_no_cookie(
    production_site: ProductionSite, production_browser: Browser, smtp: SMTPRecorder
) -> None:
    context = production_browser.new_context(ignore_https_errors=True, viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    answers = []
    page.on("response", lambda r: answers.append(r))

    home = page.goto(production_site("/"))
    assert home is not None and home.ok
    assert home.headers["strict-transport-security"].startswith("max-age=")
    assert home.headers["referrer-policy"] == "no-referrer"

    page.goto(production_site(PLEDGE))
    page.get_by_label("Your name", exact=True).fill(WORKER["name"])
    page.get_by_label("Email address", exact=True).fill(WORKER["email"])
    page.get_by_label("Postcode", exact=True).fill(WORKER["postcode"])
    page.get_by_label("My first name and last initial").check()
    page.get_by_role("checkbox", name=re.compile("recording my pledge")).check()
    page.get_by_role("checkbox", name=re.compile("campaign updates")).check()
    # Filled in a second, as a password manager does: one more step, not silence.
    page.get_by_role("button", name="Sign the pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One more step")
    page.wait_for_timeout(3_000)
    page.get_by_role("button", name="Sign the pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    mail = wait_for_mail(smtp, WORKER["email"], "Confirm your pledge")
    confirm = link_in(mail, "/confirm/")
    assert confirm.startswith(production_site.url)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your signature is confirmed"
    )
    page.goto(production_site(PLEDGE))
    expect(page.locator(".names")).to_contain_text("Siân L.")

    page.goto(production_site("/my-data"))
    page.get_by_label("Email address", exact=True).fill(WORKER["email"])
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    manage = link_in(
        wait_for_mail(smtp, WORKER["email"], "Your link to manage your data"), "/my-data/"
    )
    page.goto(manage)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    page.get_by_label("Email me campaign updates.").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("Your choices are saved.")
    expect(notice).to_contain_text("Campaign updates: off")

    # Every answer was a success, none set a cookie, and the browser holds none.
    failures = [(a.url, a.status) for a in answers if a.status >= 400]
    assert failures == []
    with_cookies = [a.url for a in answers if "set-cookie" in a.all_headers()]
    assert with_cookies == []
    assert context.cookies() == []
    context.close()


def test_an_admin_signs_in_with_password_and_code(
    production_site: ProductionSite, production_browser: Browser
) -> None:
    context = production_browser.new_context(ignore_https_errors=True)
    context.set_default_timeout(15_000)
    page: Page = context.new_page()
    page.goto(production_site("/accounts/login"))
    page.get_by_label("Email address").fill(ADMIN["email"])
    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code shown in your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    page.get_by_role("link", name="I have kept my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    [cookie] = context.cookies()
    assert cookie["name"] == "__Host-session"
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
    assert cookie["path"] == "/" and "domain" in cookie

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    context.close()


def test_no_client_address_in_the_server_logs(
    production_site: ProductionSite, production_browser: Browser
) -> None:
    """PRIV-09 for the whole production stack, after the flows above ran."""
    context = production_browser.new_context(ignore_https_errors=True)
    context.new_page().goto(production_site("/" + "x" * 5000))
    context.close()
    logged = production_site.log.read_text(errors="replace")
    assert "GET /" in logged  # the access log is written …
    client_addresses = [
        line for line in logged.splitlines() if "127.0.0.1" in line and "Listening at" not in line
    ]
    assert client_addresses == []  # … without anyone's address
