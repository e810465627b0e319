"""The admin area in Chromium, as two new people meet it.

The first admin (made with `flask accounts create-admin`) signs in and enrols an
authenticator, the test computing its codes with pyotp as a phone would; they invite an
organiser, who enrols in a browser with JavaScript turned off and edits a pledge's
target; the public page shows the new target and the audit log shows both of them.
The admin then opens (without pressing) the reset of the organiser's authenticator.
Every admin page on the way is checked with axe-core and the Nu HTML Checker, and
screenshotted to test-artifacts/screenshots/admin-*.png for people to look at.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from campaign.accounts.models import Invitation, User
from campaign.audit import record
from campaign.extensions import db
from campaign.pledges import services
from campaign.pledges.models import Pledge
from tests.browser.conftest import (
    ARTIFACTS,
    AXE_JS,
    DESKTOP,
    OVERFLOWING,
    VNU_JAR,
    LiveServer,
    focus_problems,
    make_account,
    require_tool,
    sign_in_as,
    tab_through,
)
from tests.conftest import service_unavailable

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_PATH = "/__admin-test__/axe.min.js"  # answered by the browser context, not the app
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


class Checker:
    """Saves, screenshots and runs axe-core on each admin page it is shown."""

    def __init__(self, live: LiveServer, folder: str = "admin-html") -> None:
        self.live = live
        self.folder = ARTIFACTS / folder
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        self.violations: dict[str, list[str]] = {}

    def __call__(self, page: Page, name: str, *, axe: bool = True) -> None:
        (self.folder / f"{name}.html").write_text(page.content())
        page.screenshot(path=ARTIFACTS / "screenshots" / f"admin-{name}.png", full_page=True)
        if axe and AXE_JS.exists():
            page.add_script_tag(url=self.live(AXE_PATH))
            found = page.evaluate(
                """async () => (await axe.run(document)).violations.map(
                    v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
            )
            if found:
                self.violations[name] = found

    def html_errors(self) -> list[str]:
        jar = require_tool(VNU_JAR, "The Nu HTML Checker (vnu-jar)")
        java = shutil.which("java")
        if java is None:
            service_unavailable("java (the Nu HTML Checker needs a Java runtime)")
        files = sorted(str(p) for p in self.folder.glob("*.html"))
        result = subprocess.run(  # noqa: S603 - fixed arguments, our own files
            [java, "-jar", str(jar), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        messages = json.loads(result.stderr or result.stdout)["messages"]
        return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]


@pytest.fixture
def new_context(
    make_context: Callable[..., BrowserContext], live_server: LiveServer
) -> Callable[..., BrowserContext]:
    """A browser context (tests/browser/conftest.py) that also serves axe-core to pages."""

    def make(**options: Any) -> BrowserContext:
        context = make_context(**options)
        if AXE_JS.exists():
            context.route(live_server(AXE_PATH), lambda route: route.fulfill(path=AXE_JS))
        return context

    return make


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


def test_admin_enrols_invites_organiser_who_edits_a_target(live_server, new_context, smtp):
    check = Checker(live_server)
    result = live_server.app.test_cli_runner().invoke(
        args=["accounts", "create-admin"],
        env={
            "FRONTLINE_ADMIN_EMAIL": ADMIN["email"],
            "FRONTLINE_ADMIN_NAME": ADMIN["name"],
            "FRONTLINE_ADMIN_PASSWORD": ADMIN["password"],
        },
    )
    assert result.exit_code == 0, result.output
    assert f"{live_server.url}/accounts/login" in result.output

    # The first admin signs in and sets up the authenticator.
    admin = new_context().new_page()
    admin.goto(live_server.url + "/admin/")
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
    assert link.startswith(live_server.url)

    # The organiser accepts in a browser without JavaScript: everything works without it.
    organiser = new_context(java_script_enabled=False).new_page()
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
    public = new_context().new_page()
    public.goto(live_server.url + "/")
    public.get_by_role("link", name=title).first.click()
    expect(public.get_by_text("Target: 12,345")).to_be_visible()

    # The admin sees both of them in the audit log; and the other admin pages pass too.
    admin.get_by_role("link", name="Audit log").click()
    rows = admin.get_by_role("row")
    changed = rows.filter(has_text="Changed a pledge").filter(has_text=ORGANISER["email"])
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text(re.compile(r"Target: [0-9,]+ → 12,345"))
    invited = rows.filter(has_text="Invited someone to an account")
    expect(invited.filter(has_text=ADMIN["email"])).to_have_count(1)
    expect(rows.filter(has_text="Set up an authenticator")).to_have_count(2)
    check(admin, "audit")
    for name, label in (
        ("signatures", "Signatures"),
        ("sectors", "Sectors"),
        ("settings", "Your account"),
    ):
        admin.get_by_role("navigation", name="Admin").get_by_role("link", name=label).click()
        check(admin, name)
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Accounts").click()
    admin.get_by_role("link", name=ORGANISER["email"]).click()
    check(admin, "account")
    admin.get_by_role("link", name="Reset their authenticator").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        f"Reset the authenticator of {ORGANISER['email']}"
    )
    check(admin, "reset-authenticator")  # not pressed: Nadia keeps hers
    admin.get_by_role("link", name="Export").click()  # signed in minutes ago: no new check yet
    expect(admin.get_by_role("heading", level=1)).to_have_text("Export supporters")
    check(admin, "export")
    admin.goto(live_server.url + "/accounts/reauth?next=/admin/export")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Confirm it’s you")
    check(admin, "reauth")

    require_tool(AXE_JS, "axe-core")
    assert check.violations == {}, json.dumps(check.violations, indent=2)
    assert check.html_errors() == []
    assert re.search(r"Target: 12,345", public.content())


# --- every admin page on a phone, and by keyboard --------------------------------------

PHONES = (390, 360)  # an iPhone 12–15, and a small Android


def admin_get_urls(live: LiveServer, ids: dict[str, int]) -> dict[str, str]:
    """endpoint -> URL of every admin page (each GET rule in the URL map), so a page
    added later is checked too; `ids` fills in each <int:name>."""
    urls = {}
    for rule in live.app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in (rule.methods or ()):
            urls[rule.endpoint] = re.sub(
                r"<int:([a-z_]+)>", lambda m: str(ids[m.group(1)]), rule.rule
            )
    return urls


def seed_admin_data(live: LiveServer, organiser_email: str) -> dict[str, int]:
    """What makes admin pages wide in real use: flagged sign-ups with long names and
    long email domains, audit entries with long details, a long invited address."""
    with live.app.app_context():
        pledges = db.session.scalars(db.select(Pledge).order_by(Pledge.id)).all()
        for n, reason in enumerate(["rate-limit-ip", "rate-limit-domain", "rate-limit-ip"]):
            services.sign(
                pledge=pledges[n],
                name=f"Oluwaseun Abernathy-Wolstenholme{n}",
                email=f"o.abernathy{n}@a-very-long-hospital-trust-name.nhs.uk",
                area_code="E09000033",
                role="",
                display="none",
                wants_updates=False,
                wants_alerts=False,
                flag_reason=reason,
            )
        organiser = db.session.scalar(db.select(User).filter_by(email=organiser_email))
        admin = db.session.scalar(db.select(User).filter_by(role="admin"))
        invitation = Invitation(
            email="communications.officer@royal-borough-of-kensington-and-chelsea.gov.uk",
            role="organiser",
            invited_by_id=admin.id,
        )
        db.session.add(invitation)
        record(
            actor=organiser,
            action="signatures.view",
            detail={"pledge_id": pledges[0].id, "area_code": "E09000033", "status": "flagged"},
        )
        record(
            actor=organiser,
            action="pledge.update",
            target=f"pledge:{pledges[0].id}",
            detail={"title": {"changed": True}, "target": {"from": 5000, "to": 12345}},
        )
        db.session.commit()
        return {
            "pledge_id": pledges[0].id,
            "sector_id": pledges[0].sector_id,
            "user_id": organiser.id,
            "invitation_id": invitation.id,
        }


def test_every_admin_page_fits_a_phone_and_shows_keyboard_focus(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    """Signed in, every admin page fits a 390 and a 360 px wide screen without scrolling
    sideways (a wide table scrolls in its own box), and Tab shows where focus is on each
    element, with a ring of at least 3:1 against what it is drawn on (WCAG 1.4.11)."""
    check = Checker(live_server, folder="admin-phone-html")
    admin_secret = make_account(live_server, "ada@example.org", role="admin")
    make_account(live_server, "nadia.rahman-okonkwo@example.org", role="organiser")
    coordinator_secret = make_account(live_server, "cai@example.org", role="coordinator")
    ids = seed_admin_data(live_server, "nadia.rahman-okonkwo@example.org")
    wide: dict[str, list[str]] = {}
    unfocused: dict[str, list[str]] = {}

    def look(page: Page, name: str) -> None:
        check(page, f"phone-{name}")
        unfocused[name] = focus_problems(tab_through(page))
        for width in PHONES:
            page.set_viewport_size({"width": width, "height": 800})
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll_width > width:
                wide[f"{name} at {width}px"] = [f"{scroll_width}px", *page.evaluate(OVERFLOWING)]
            if width == PHONES[0]:
                page.screenshot(path=SCREENSHOTS / f"admin-{name}-390.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=SCREENSHOTS / f"admin-{name}-1280.png", full_page=True)

    admin = new_context().new_page()
    sign_in_as(admin, live_server, "ada@example.org", admin_secret)
    urls = admin_get_urls(live_server, ids)
    assert {"admin.dashboard", "admin.signatures", "admin.audit", "admin.accounts"} <= set(urls)
    for endpoint, url in sorted(urls.items()):
        response = admin.goto(live_server(url))
        assert response is not None and response.status == 200, (url, response)
        look(admin, endpoint.removeprefix("admin."))
    admin.goto(live_server("/admin/signatures?status=flagged"))
    look(admin, "signatures-flagged")
    for box in admin.get_by_role("checkbox").all():
        box.check()
    admin.get_by_label("Count them: they were real people").check()
    admin.get_by_role("button", name="Continue").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Count 3 flagged signatures?")
    look(admin, "review-confirm")

    coordinator = new_context().new_page()
    sign_in_as(coordinator, live_server, "cai@example.org", coordinator_secret)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Your account")
    look(coordinator, "coordinator-settings")
    coordinator.goto(live_server("/admin/"))
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(
        "Nothing here for your account yet"
    )
    look(coordinator, "coordinator-refused")

    assert wide == {}
    assert {name: found for name, found in unfocused.items() if found} == {}
    require_tool(AXE_JS, "axe-core")
    assert check.violations == {}, json.dumps(check.violations, indent=2)
    assert check.html_errors() == []
