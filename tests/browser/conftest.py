"""Browser fixtures: the app served for real on a free port, and headless Chromium.

The browser is Debian's Chromium (never a Playwright download). Without it these tests
skip, unless FRONTLINE_REQUIRE_SERVICES=1 (CI), where they fail instead. The checking
tools (axe-core, the Nu HTML Checker) come from npm into tests/browser/node_modules:
`npm install --prefix tests/browser`, which `make test` runs.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from campaign import create_app
from campaign.accounts.models import User
from campaign.accounts.passwords import hash_password
from campaign.demo.cli import load_demo_content
from campaign.extensions import db
from campaign.timeutil import utcnow
from tests.conftest import ROOT, SMTPRecorder, base_config, service_unavailable

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"
REQUIRE_SERVICES = os.environ.get("FRONTLINE_REQUIRE_SERVICES") == "1"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}  # a small, common Android screen

# A person who signs in these tests: a real postcode (Westminster) and a personal address.
SIGNER = {"name": "Asha Patel", "email": "asha@example.org", "postcode": "SW1A 1AA"}


def require_tool(path: Path, what: str) -> Path:
    if path.exists():
        return path
    message = f"{what} missing: run `npm install --prefix tests/browser`"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (required: FRONTLINE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


# --- the site, served for real --------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@contextmanager
def serving_wsgi(wsgi_app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free port in a background thread; yields its address."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def serving(config: dict[str, Any]) -> Iterator[LiveServer]:
    """The app with the demo content on a fresh SQLite file, served on a free port."""
    app = create_app(config)
    with app.app_context():
        db.create_all()
        load_demo_content()
        db.session.commit()
    try:
        with serving_wsgi(app) as url:
            app.config["SITE_URL"] = url  # links in emails point at this server
            yield LiveServer(url, app)
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_config(
    tmp_path_factory: pytest.TempPathFactory,
    postcode_db: Path,
    smtp_server: tuple[SMTPRecorder, int],
) -> Callable[..., dict[str, Any]]:
    """Configuration for a live app: a new folder and database; mail to the test SMTP server.

    Pass MAIL_SERVER="" for the development outbox instead.
    """

    def make(**overrides: Any) -> dict[str, Any]:
        tmp = tmp_path_factory.mktemp("live")
        config = base_config(tmp, postcode_db, smtp_server[1])
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'live.sqlite3'}"
        return {**config, **overrides}

    return make


@pytest.fixture
def live_server(live_config: Callable[..., dict[str, Any]]) -> Iterator[LiveServer]:
    with serving(live_config()) as server:
        yield server


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def launch_chromium(playwright: Playwright, *extra_args: str) -> Browser:
    executable = shutil.which("chromium")
    if executable is None:
        service_unavailable("Chromium (apt-get install chromium)")
    return playwright.chromium.launch(
        executable_path=executable, args=[*CHROMIUM_ARGS, *extra_args]
    )


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def make_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_context: Callable[..., BrowserContext]) -> Page:
    return make_context().new_page()


# --- what the signer does -------------------------------------------------------------


def fill_sign_form(page: Page, **values: str) -> None:
    """Type into the sign form as a person would; `values` override SIGNER."""
    person = {**SIGNER, **values}
    page.get_by_label("Your name", exact=True).fill(person["name"])
    page.get_by_label("Email address", exact=True).fill(person["email"])
    page.get_by_label("Postcode", exact=True).fill(person["postcode"])
    if "display" in person:
        page.get_by_label(person["display"]).check()
    if person.get("consent", "yes") == "yes":
        page.get_by_role("checkbox", name=re.compile("recording my pledge")).check()


# --- what a page looks like: focus indicators, sideways scrolling ----------------------

# Installed in a page: on every focus, what the focused element shows (its outline, or
# a box-shadow) and the colour visibly behind that outline: found by hit-testing points
# where the middle of the outline is drawn, on each side (so a positioned element, such as
# the skip link over the header, is measured against what it really sits on), with
# semi-transparent backgrounds composited down to the page. Colours are [r, g, b].
_FOCUS_RECORDER = """() => {
    if (window.__focusStops) return;
    window.__focusStops = [];
    window.__focusEls = [];
    window.__focusWrapped = false;
    const rgba = value => {
        const m = /rgba?\\(([^)]+)\\)/.exec(value || "");
        if (!m) return null;
        const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top, below) => top.slice(0, 3).map(
        (c, i) => c * top[3] + below[i] * (1 - top[3]));
    const backdrop = (el, x, y, inside) => {
        const layers = document.elementsFromPoint(x, y)
            .filter(e => (inside && e === el) || !el.contains(e))
            .map(e => rgba(getComputedStyle(e).backgroundColor))
            .filter(c => c && c[3] > 0);
        let colour = [255, 255, 255];  // the canvas, under everything
        for (const layer of layers.reverse()) colour = over(layer, colour);
        return colour;
    };
    const name = el => {
        const text = (el.innerText || el.value || el.getAttribute("aria-label") || "")
            .trim().replace(/\\s+/g, " ").slice(0, 40);
        return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + [...el.classList].map(c => "." + c).join("") + (text ? ` "${text}"` : "");
    };
    window.__focusListener = event => {
        const el = event.target;
        if (window.__focusEls.includes(el)) { window.__focusWrapped = true; return; }
        window.__focusEls.push(el);
        const style = getComputedStyle(el);
        const width = parseFloat(style.outlineWidth) || 0;
        const offset = parseFloat(style.outlineOffset) || 0;
        // From the border edge to the middle of the ring: negative when drawn inside.
        const away = offset + width / 2;
        const box = el.getClientRects()[0] || el.getBoundingClientRect();
        // The middle of the part on screen: an element taller than the window (a long
        // table's scroll box) is measured where its sides are seen.
        const cx = (Math.max(box.left, 0) + Math.min(box.right, innerWidth)) / 2;
        const cy = (Math.max(box.top, 0) + Math.min(box.bottom, innerHeight)) / 2;
        const points = [[box.left - away, cy], [box.right + away, cy],
                        [cx, box.top - away], [cx, box.bottom + away]]
            .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
        window.__focusStops.push({
            element: name(el),
            visible: box.width > 0 && box.height > 0,
            outline_style: style.outlineStyle,
            outline_width: width,
            outline: rgba(style.outlineColor),
            box_shadow: style.boxShadow,
            behind: points.map(([x, y]) => backdrop(el, x, y, away < 0)),
        });
    };
    document.addEventListener("focusin", window.__focusListener);
}"""

# After the tour of one page: the recorder removed, the stops, and each focused element's
# box-shadow when it is not focused (to tell a box-shadow that marks focus from one that
# is always there).
_FOCUS_RESULTS = """() => {
    document.removeEventListener("focusin", window.__focusListener);
    document.activeElement && document.activeElement.blur();
    const results = [window.__focusStops,
                     window.__focusEls.map(el => getComputedStyle(el).boxShadow)];
    for (const name of ["__focusListener", "__focusStops", "__focusEls", "__focusWrapped"])
        delete window[name];
    return results;
}"""


def relative_luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: list[float], b: list[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours, 1 to 21."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass
class FocusStop:
    """One element reached with Tab, and how its focus is shown."""

    element: str
    indicator: str  # "outline", "box-shadow" or "" (none)
    colour: list[float] | None
    behind: list[list[float]]  # the colour behind the ring, at each point measured

    @property
    def ratio(self) -> float | None:
        """The lowest contrast of the indicator (a see-through one as it shows, over what
        is behind it) against what is behind it."""
        if self.colour is None or not self.behind:
            return None
        colour, alpha = self.colour[:3], (self.colour[3] if len(self.colour) > 3 else 1.0)

        def seen_over(behind: list[float]) -> list[float]:
            return [c * alpha + b * (1 - alpha) for c, b in zip(colour, behind[:3], strict=True)]

        return min(contrast_ratio(seen_over(behind), behind) for behind in self.behind)

    def problem(self, minimum: float = 3.0) -> str | None:
        """Why this focus indicator fails WCAG 1.4.11 (3:1), or None."""
        if not self.indicator or self.colour is None:
            return f"{self.element}: no visible focus indicator"
        ratio = self.ratio
        if ratio is None:
            return f"{self.element}: nothing measurable behind its {self.indicator}"
        if ratio < minimum:
            return f"{self.element}: {self.indicator} contrast {ratio:.2f}:1 (needs {minimum}:1)"
        return None


def _shadow_colour(shadow: str) -> list[float] | None:
    match = re.search(r"rgba?\(([^)]+)\)", shadow)
    if shadow in ("", "none") or match is None:
        return None
    parts = [float(p) for p in re.split(r"[\s,/]+", match.group(1)) if p]
    return parts[:3] if len(parts) < 4 or parts[3] > 0 else None


def tab_through(page: Page, *, max_stops: int = 400) -> list[FocusStop]:
    """Press Tab from the top of the page until focus comes round again (or leaves for
    good), and say how each element reached showed its focus: as a keyboard user sees it,
    since Chromium draws :focus-visible styles for keyboard focus."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate(_FOCUS_RECORDER)
    pressed = 0
    while pressed < max_stops:
        for _ in range(10):
            page.keyboard.press("Tab")
        pressed += 10
        wrapped, count = page.evaluate("() => [window.__focusWrapped, window.__focusEls.length]")
        if wrapped or count < pressed - 20:  # round again, or focus left the page
            break
    raw, unfocused = page.evaluate(_FOCUS_RESULTS)
    stops = []
    for stop, shadow_at_rest in zip(raw, unfocused, strict=True):
        if not stop["visible"]:
            continue  # e.g. an iframe's own focus, or a zero-size wrapper
        if stop["outline_style"] not in ("none", "hidden") and stop["outline_width"] >= 1:
            indicator, colour = "outline", stop["outline"]
        elif stop["box_shadow"] != shadow_at_rest and _shadow_colour(stop["box_shadow"]):
            indicator, colour = "box-shadow", _shadow_colour(stop["box_shadow"])
        else:
            indicator, colour = "", None
        if colour is not None and len(colour) > 3 and colour[3] == 0:
            indicator, colour = "", None  # a transparent outline shows nothing
        stops.append(FocusStop(stop["element"], indicator, colour, stop["behind"]))
    return stops


def focus_problems(stops: list[FocusStop]) -> list[str]:
    return [problem for stop in stops if (problem := stop.problem())]


# If the page scrolls sideways: the innermost elements, or text, sticking out on the right.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const name = el => el.tagName.toLowerCase() + [...el.classList].map(c => "." + c).join("");
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
        const sticksOut = el.getBoundingClientRect().right > width + 1;
        const textSticksOut = el.scrollWidth > el.clientWidth + 1
            && getComputedStyle(el).overflowX === "visible";
        const child = [...el.children].some(c => c.getBoundingClientRect().right > width + 1);
        if ((sticksOut || textSticksOut) && !child) out.push(name(el));
    }
    return out.length ? out.slice(0, 6) : ["(the page, by "
        + (document.documentElement.scrollWidth - width) + "px)"];
}"""


# --- organisers and admins ------------------------------------------------------------

ACCOUNT_PASSWORD = "the quiet heron waits beside the canal lock"


def make_account(live: LiveServer, email: str, *, role: str, name: str = "") -> str:
    """An account with its authenticator already set up; returns the authenticator's
    secret, for sign_in_as to compute codes from (as the person's phone would)."""
    secret = pyotp.random_base32()
    with live.app.app_context():
        db.session.add(
            User(
                email=email,
                name=name or email.partition("@")[0].title(),
                role=role,
                password_hash=hash_password(ACCOUNT_PASSWORD),
                totp_secret=secret,
                enrolled_at=utcnow(),
            )
        )
        db.session.commit()
    return secret


def sign_in_as(page: Page, live: LiveServer, email: str, secret: str) -> None:
    """Sign in through the two real forms (password, then the authenticator's code)."""
    page.goto(live("/accounts/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
