"""Every public page, as a visitor's Chromium shows it: accessible (axe-core), valid HTML
(the Nu HTML Checker), usable on a phone, and free of browser errors.

One tour of the site (module fixture) visits each page once, with the development outbox
standing in for a mail server, exactly as a new user of `make run` would confirm their
own signature. On each page it saves the HTML as served, screenshots at desktop and
phone widths (test-artifacts/screenshots/, for people to look at), and the axe results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    expect,
)
from werkzeug.wrappers import Response as WSGIResponse

from campaign.extensions import db
from campaign.pledges import services
from campaign.pledges.models import Pledge
from campaign.tokens import make_token
from tests.browser.conftest import (
    ARTIFACTS,
    AXE_JS,
    DESKTOP,
    OVERFLOWING,
    PHONE,
    REQUIRE_SERVICES,
    VNU_JAR,
    FocusStop,
    LiveServer,
    fill_sign_form,
    focus_problems,
    require_tool,
    serving,
    serving_wsgi,
    tab_through,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"
HTML = ARTIFACTS / "html"
AXE_URL_PATH = "/__test-tools__/axe.min.js"  # answered by the browser context, not the app

# Confirmed signatures already there when the tour starts, so tables, the chart and
# the suppression of small area counts (PRIV-10) show on the pages.
SEEDED = [
    ("gp-surgeries", "E09000033", 12),  # Westminster: shown
    ("schools", "E08000025", 4),  # Birmingham: "fewer than 10"
    ("councils", "W06000015", 3),  # Cardiff
    ("hospitals", "S12000036", 2),  # Edinburgh
]


@dataclass
class Visit:
    name: str
    url: str
    status: int
    html: bytes
    violations: list[dict[str, Any]]
    phone_overflow: list[str]  # what sticks out sideways at phone width
    focus: list[FocusStop]  # each element Tab reaches, and how it shows focus
    console_errors: list[str] = field(default_factory=list)


def seed_signatures(live: LiveServer) -> None:
    with live.app.app_context():
        n = 0
        for slug, area_code, how_many in SEEDED:
            pledge = db.session.scalar(db.select(Pledge).filter_by(slug=slug))
            for _ in range(how_many):
                n += 1
                signature = services.sign(
                    pledge=pledge,
                    name=f"Seeded Signer{n}",
                    email=f"seeded{n}@example.org",
                    area_code=area_code,
                    role="",
                    display="initial" if n % 3 else "none",
                    wants_updates=False,
                    wants_alerts=False,
                    flag_reason="",
                )
                services.confirm(signature)
        db.session.commit()


class Tour:
    """Visits pages in one browser tab (CSP enforced) and checks each as it goes."""

    def __init__(self, live: LiveServer, context: BrowserContext, csp_free: BrowserContext):
        self.live = live
        self.page = context.new_page()
        self.csp_free = csp_free
        self.visits: list[Visit] = []
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: ConsoleMessage) -> None:
        # An error page's own status (404, 410, 422) is logged too: that one is expected.
        if message.type == "error" and message.location.get("url") != self.page.url:
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def go(self, path: str) -> Response:
        response = self.page.goto(self.live(path))
        assert response is not None
        return response

    def submit(self, button: str) -> Response:
        return self.follow(self.page.get_by_role("button", name=button))

    def follow(self, link_or_button: Locator) -> Response:
        with self.page.expect_navigation() as navigation:
            link_or_button.click()
        response = navigation.value
        assert response is not None
        return response

    def check(
        self, name: str, response: Response, *, heading: str, status: int = 200, shots: bool = True
    ) -> None:
        """Record this page: as served, as seen (screenshots) and as axe finds it."""
        page = self.page
        assert response.status == status, (name, response.status)
        expect(page.locator("h1, .count").first).to_contain_text(heading)
        html = response.body()
        (HTML / f"{name}.html").write_bytes(html)

        if shots:
            page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        overflow = page.evaluate(OVERFLOWING)
        if shots:
            page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)

        self.visits.append(
            Visit(
                name=name,
                url=page.url,
                status=response.status,
                html=html,
                violations=self.axe(response),
                phone_overflow=list(overflow),
                focus=tab_through(page),
                console_errors=self.errors[:],
            )
        )
        self.errors.clear()

    def axe(self, response: Response) -> list[dict[str, Any]]:
        """axe-core's violations on this page (WCAG 2.x A and AA, and best practices).

        The script comes from a same-origin URL the browser context answers itself, so
        the site's CSP (`script-src 'self'`) lets it run. A page whose CSP allows no
        scripts at all (the embeddable counter) is checked again in a tab that bypasses CSP.
        """
        if not AXE_JS.exists():
            return []  # test_pages_have_no_accessibility_violations skips or fails
        page = self.page
        if "script-src 'self'" not in (response.header_value("content-security-policy") or ""):
            page = self.csp_free.new_page()
            page.goto(response.url)
        page.add_script_tag(url=self.live(AXE_URL_PATH))
        violations = page.evaluate(
            """async () => {
                const results = await axe.run(document, {iframes: false});
                return results.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(" ") + " : " + n.failureSummary),
                }));
            }"""
        )
        if page is not self.page:
            page.close()
        return list(violations)


@pytest.fixture(scope="module")
def tour(browser: Browser, live_config: Callable[..., dict[str, Any]]) -> Iterator[list[Visit]]:
    shutil.rmtree(HTML, ignore_errors=True)
    HTML.mkdir(parents=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # this tour's; the admin tests' stay
        if not old.name.startswith("admin-"):
            old.unlink()

    with serving(live_config(MAIL_SERVER="", DEV_OUTBOX=True)) as live:
        seed_signatures(live)
        context = browser.new_context(viewport=DESKTOP)
        csp_free = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        for ctx in (context, csp_free):
            ctx.set_default_timeout(15_000)
            ctx.route(live(AXE_URL_PATH), lambda route: route.fulfill(path=AXE_JS))
        t = Tour(live, context, csp_free)

        t.check("home", t.go("/"), heading="Public services, not immigration checkpoints")
        counts = json.loads(t.page.request.get(live("/api/v1/counts")).text())
        for i, item in enumerate(counts["pledges"]):
            t.check(
                f"pledge-{item['slug']}",
                t.go(f"/pledges/{item['slug']}"),
                heading=item["title"],
                shots=i == 0,
            )

        # The form sent with mistakes, then with a work address, then anyway.
        t.go("/pledges/gp-surgeries")
        t.page.get_by_label("Email address", exact=True).fill("asha-at-example.org")
        t.page.get_by_label("Postcode", exact=True).fill("ZZ99 9ZZ")
        t.check("pledge-errors", t.submit("Sign the pledge"), heading="GP surgery", status=422)
        fill_sign_form(t.page, email="asha.patel@nhs.net", display="My first name")
        t.check("pledge-employer-warning", t.submit("Sign the pledge"), heading="GP surgery")
        t.check("thanks", t.submit("Sign with this address anyway"), heading="Check your email")

        # The confirmation email, found in the development outbox.
        outbox = t.follow(t.page.get_by_role("link", name="development outbox"))
        t.check("outbox", outbox, heading="Development outbox")
        mine = t.page.get_by_role("row").filter(has_text="asha.patel@nhs.net")
        message = t.follow(mine.get_by_role("link", name="Confirm your pledge"))
        t.check("outbox-message", message, heading="Confirm your pledge")
        confirm_link = t.page.locator(".email-text a[href*='/confirm/']")
        confirm_path = urlsplit(confirm_link.get_attribute("href") or "").path
        t.check("confirm", t.follow(confirm_link), heading="Confirm your signature")
        t.check(
            "confirmed", t.submit("Confirm my signature"), heading="your signature is confirmed"
        )
        t.check("confirmed-already", t.go(confirm_path), heading="already confirmed")

        with live.app.app_context():
            gone = make_token("confirm", 10**9)
            with mock.patch("itsdangerous.timed.time") as clock:
                clock.time.return_value = time.time() - 30 * 24 * 3600
                expired = make_token("confirm", 1)
        t.check(
            "confirm-invalid", t.go("/confirm/not-a-token"), heading="does not work", status=404
        )
        t.check("confirm-gone", t.go(f"/confirm/{gone}"), heading="no longer exists", status=404)
        t.check("confirm-expired", t.go(f"/confirm/{expired}"), heading="expired", status=410)

        t.check("home-after", t.go("/"), heading="Public services", shots=False)
        t.check("pledge-with-names", t.go("/pledges/gp-surgeries"), heading="GP surgery")
        t.check("areas", t.go("/areas"), heading="Signatures by local authority")
        t.check("about", t.go("/about"), heading="About the campaign")
        t.check("privacy", t.go("/privacy"), heading="Privacy notice")
        t.check("not-found", t.go("/no-such-page"), heading="Page not found", status=404)
        t.check("counter", t.go("/embed/counter"), heading="22")
        t.check("counter-pledge", t.go("/embed/counter?pledge=schools"), heading="4")

        yield t.visits
        context.close()
        csp_free.close()


def test_every_page_was_visited(tour: list[Visit]) -> None:
    names = {visit.name for visit in tour}
    assert {"home", "pledge-errors", "pledge-employer-warning", "confirmed", "outbox"} <= names
    assert sum(name.startswith("pledge-") for name in names) >= 8 + 3


def test_pages_have_no_accessibility_violations(tour: list[Visit]) -> None:
    require_tool(AXE_JS, "axe-core")
    found = {visit.name: visit.violations for visit in tour if visit.violations}
    assert found == {}, json.dumps(found, indent=2)


def test_pages_fit_a_phone_screen(tour: list[Visit]) -> None:
    """Nothing makes a 360 px wide phone scroll sideways."""
    overflowing = {visit.name: visit.phone_overflow for visit in tour if visit.phone_overflow}
    assert overflowing == {}


def test_keyboard_focus_is_visible_on_every_page(tour: list[Visit]) -> None:
    """Tab shows where focus is on every element it reaches, with a ring of at least 3:1
    against what it is drawn on (WCAG 1.4.11): the page, the header, cards, boxes."""
    assert sum(len(visit.focus) for visit in tour) > 10 * len(tour)  # Tab really went round
    problems = {visit.name: focus_problems(visit.focus) for visit in tour}
    assert {name: found for name, found in problems.items() if found} == {}


def test_pages_load_without_browser_errors(tour: list[Visit]) -> None:
    """No CSP violation, missing file or script error on any page."""
    errors = {visit.name: visit.console_errors for visit in tour if visit.console_errors}
    assert errors == {}


def test_pages_are_valid_html(tour: list[Visit]) -> None:
    jar = require_tool(VNU_JAR, "The Nu HTML Checker (vnu-jar)")
    java = shutil.which("java")
    if java is None:
        message = "java is missing: the Nu HTML Checker needs a Java runtime"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (required: FRONTLINE_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    files = sorted(HTML.glob("*.html"))
    assert len(files) == len(tour)
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        f" [{m.get('extract', '').strip()}]"
        for m in messages
    ]
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("query", ["", "?pledge=police-staff-and-victim-services"])
def test_counter_fits_the_frame_partners_copy(
    page: Page, live_server: LiveServer, query: str
) -> None:
    """A partner pastes the snippet from the home page: the counter shows whole in it."""
    page.goto(live_server("/"))
    snippet = page.locator("pre.snippet").inner_text()
    snippet = snippet.replace('/embed/counter"', f'/embed/counter{query}"')
    partner_page = f"<!doctype html><title>Partner</title><p>Our partners:</p>{snippet}"
    # The partner's site: another origin, served for real (Chromium won't let a page it
    # got from a mocked route frame a local address).
    with serving_wsgi(WSGIResponse(partner_page, mimetype="text/html")) as partner:
        page.goto(partner.replace("127.0.0.1", "localhost"))
        frame_element = page.locator("iframe")
        frame = frame_element.content_frame
        expect(frame.get_by_role("heading", level=1)).to_contain_text("signed" if query else "0")
        name = "counter-embedded" + ("-pledge" if query else "")
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
        content = frame.locator("html").evaluate("html => [html.scrollWidth, html.scrollHeight]")
        room = [int(frame_element.get_attribute(side) or 0) for side in ("width", "height")]
        assert content[0] <= room[0] and content[1] <= room[1], f"{content} in a {room} frame"
