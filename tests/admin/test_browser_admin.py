"""The admin area in Chromium, as two new people meet it.

The first admin (made with `flask accounts create-admin`) signs in and enrols an
authenticator, the test computing its codes with pyotp as a phone would; they invite an
organiser, who enrols in a browser with JavaScript turned off and edits a pledge's
target; the public page shows the new target and the audit log shows both of them.
Every admin page on the way is checked with axe-core and the Nu HTML Checker, and
screenshotted to test-artifacts/screenshots/admin-*.png for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from campaign import create_app
from campaign.demo.cli import load_demo_content
from campaign.extensions import db
from tests.conftest import ROOT, SMTPRecorder, base_config

pytestmark = pytest.mark.browser

REQUIRE_SERVICES = os.environ.get("FRONTLINE_REQUIRE_SERVICES") == "1"
TOOLS = ROOT / "tests" / "browser" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"
AXE_PATH = "/__admin-test__/axe.min.js"  # answered by the browser context, not the app
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ADMIN = {
    "email": "ada@example.org",
    "name": "Ada Admin",
    "password": "a lighthouse keeper counts the gulls",
}
ORGANISER = {
    "email": "nadia@example.org",
    "name": "Nadia Rahman",
    "password": "seven tired otters queue for the night bus",
}


def unavailable(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (FRONTLINE_REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} is missing")


@dataclass
class Live:
    url: str
    app: Flask


@pytest.fixture
def live(
    tmp_path: Path, postcode_db: Path, smtp_server: tuple[SMTPRecorder, int]
) -> Iterator[Live]:
    """The app on a temporary SQLite file, served for real on a free port."""
    config = base_config(tmp_path, postcode_db, smtp_server[1])
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        load_demo_content()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(url, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Checker:
    """Saves, screenshots and runs axe-core on each admin page it is shown."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.folder = ARTIFACTS / "admin-html"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        self.violations: dict[str, list[str]] = {}

    def __call__(self, page: Page, name: str, *, axe: bool = True) -> None:
        (self.folder / f"{name}.html").write_text(page.content())
        page.screenshot(path=ARTIFACTS / "screenshots" / f"admin-{name}.png", full_page=True)
        if axe and AXE_JS.exists():
            page.add_script_tag(url=self.live.url + AXE_PATH)
            found = page.evaluate(
                """async () => (await axe.run(document)).violations.map(
                    v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
            )
            if found:
                self.violations[name] = found

    def html_errors(self) -> list[str]:
        java = shutil.which("java")
        if not VNU_JAR.exists() or java is None:
            unavailable("The Nu HTML Checker (npm install --prefix tests/browser; java)")
        files = sorted(str(p) for p in self.folder.glob("*.html"))
        result = subprocess.run(  # noqa: S603 - fixed arguments, our own files
            [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        messages = json.loads(result.stderr or result.stdout)["messages"]
        return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]


def code_from(page: Page, at_offset: int = 0) -> str:
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    return pyotp.TOTP(secret).now()


def enrol(page: Page, check: Checker, name: str) -> None:
    """Scan (read) the secret, type the code, keep the recovery codes, carry on."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check(page, f"{name}-enrol")
    page.get_by_label("Code shown in your authenticator app").fill(code_from(page))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert len(page.locator(".recovery-codes li").all()) == 10
    check(page, f"{name}-recovery-codes")
    page.get_by_role("link", name="I have kept my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def new_context(chromium: Any, live: Live, **options: Any) -> BrowserContext:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(10_000)
    if AXE_JS.exists():
        context.route(live.url + AXE_PATH, lambda route: route.fulfill(path=AXE_JS))
    return context


def test_admin_enrols_invites_organiser_who_edits_a_target(live, chromium, smtp):
    check = Checker(live)
    result = live.app.test_cli_runner().invoke(
        args=["accounts", "create-admin"],
        env={
            "FRONTLINE_ADMIN_EMAIL": ADMIN["email"],
            "FRONTLINE_ADMIN_NAME": ADMIN["name"],
            "FRONTLINE_ADMIN_PASSWORD": ADMIN["password"],
        },
    )
    assert result.exit_code == 0, result.output
    assert f"{live.url}/accounts/login" in result.output

    # The first admin signs in and sets up the authenticator.
    admin = new_context(chromium, live).new_page()
    admin.goto(live.url + "/admin/")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Sign in")
    check(admin, "login")
    admin.get_by_label("Email address").fill(ADMIN["email"])
    admin.get_by_label("Password", exact=True).fill(ADMIN["password"])
    admin.get_by_role("button", name="Continue").click()
    enrol(admin, check, "admin")
    check(admin, "dashboard")

    # They invite an organiser.
    admin.get_by_role("link", name="Accounts").click()
    check(admin, "accounts")
    admin.get_by_label("Their email address").fill(ORGANISER["email"])
    admin.get_by_label("Role").select_option("organiser")
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Invitation sent to {ORGANISER['email']}")
    [mail] = smtp.to(ORGANISER["email"])
    link = mail.link("/accounts/invitation/")
    assert link.startswith(live.url)

    # The organiser accepts in a browser without JavaScript: everything works without it.
    organiser = new_context(chromium, live, java_script_enabled=False).new_page()
    organiser.goto(link)
    check(organiser, "invitation", axe=False)
    organiser.get_by_label("Your name").fill(ORGANISER["name"])
    organiser.get_by_label("New password", exact=True).fill(ORGANISER["password"])
    organiser.get_by_label("Type the new password again").fill(ORGANISER["password"])
    organiser.get_by_role("button", name="Continue").click()
    enrol(organiser, lambda page, name, axe=False: check(page, name, axe=False), "organiser")

    # … and raises a pledge's target.
    organiser.get_by_role("navigation", name="Admin").get_by_role("link", name="Pledges").click()
    check(organiser, "pledges", axe=False)
    organiser.locator("a[href^='/admin/pledges/']").first.click()
    title = organiser.get_by_label("Title").input_value()
    check(organiser, "pledge-edit", axe=False)
    organiser.get_by_label("Target").fill("12345")
    organiser.get_by_role("button", name="Save").click()
    expect(organiser.get_by_role("status")).to_contain_text("Saved.")

    # The public sees it.
    public = new_context(chromium, live).new_page()
    public.goto(live.url + "/")
    public.get_by_role("link", name=title).first.click()
    expect(public.get_by_text("Target: 12,345")).to_be_visible()

    # The admin sees both of them in the audit log; and the other admin pages pass too.
    admin.get_by_role("link", name="Audit log").click()
    rows = admin.get_by_role("row")
    expect(rows.filter(has_text="pledge.update").filter(has_text=ORGANISER["email"])).to_have_count(
        1
    )
    expect(rows.filter(has_text="account.invite").filter(has_text=ADMIN["email"])).to_have_count(1)
    expect(rows.filter(has_text="account.totp_enrolled")).to_have_count(2)
    check(admin, "audit")
    for name, label in (
        ("signatures", "Signatures"),
        ("sectors", "Sectors"),
        ("settings", "Your account"),
    ):
        admin.get_by_role("navigation", name="Admin").get_by_role("link", name=label).click()
        check(admin, name)
    admin.get_by_role("link", name="Export").click()  # signed in minutes ago: no new check yet
    expect(admin.get_by_role("heading", level=1)).to_have_text("Export supporters")
    check(admin, "export")
    admin.goto(live.url + "/accounts/reauth?next=/admin/export")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Confirm it’s you")
    check(admin, "reauth")

    if not AXE_JS.exists():
        unavailable("axe-core (npm install --prefix tests/browser)")
    assert check.violations == {}, json.dumps(check.violations, indent=2)
    assert check.html_errors() == []
    assert re.search(r"Target: 12,345", public.content())
