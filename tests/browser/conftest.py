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

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from campaign import create_app
from campaign.demo.cli import load_demo_content
from campaign.extensions import db
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
