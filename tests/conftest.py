"""Shared fixtures: an app per test on SQLite and (where reachable) PostgreSQL, a real
SMTP server (aiosmtpd), and makers for the domain objects.

Set FRONTLINE_REQUIRE_SERVICES=1 (CI does) to fail instead of skipping when PostgreSQL
or Redis is unreachable. FRONTLINE_TEST_POSTGRES / FRONTLINE_TEST_REDIS override the
default local addresses.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient

from campaign import create_app
from campaign.extensions import db
from campaign.geo import build_lookup, default_db_path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "FRONTLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FRONTLINE_TEST_REDIS", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("FRONTLINE_REQUIRE_SERVICES") == "1"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def service_unavailable(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (FRONTLINE_REQUIRE_SERVICES=1) but unreachable")
    pytest.skip(f"{what} unreachable")


# --- reference data -----------------------------------------------------------------


@pytest.fixture(scope="session")
def postcode_db() -> Path:
    """The real postcode lookup, as the app uses it; built once (~6 s) if missing."""
    path = default_db_path(ROOT / "instance")
    if not path.exists():
        build_lookup(path)
    return path


# --- SMTP ---------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def link(self, path_fragment: str) -> str:
        """The first URL in the text part containing `path_fragment`."""
        for url in re.findall(r"https?://\S+", self.text):
            if path_fragment in url:
                return url
        raise AssertionError(f"no link containing {path_fragment!r} in:\n{self.text}")


@dataclass
class SMTPRecorder:
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)  # address -> (code, text)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            code, text = self.refuse[address]
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, message)
            )
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def reset(self) -> None:
        self.messages.clear()
        self.refuse.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[SMTPRecorder, int]]:
    recorder = SMTPRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[SMTPRecorder, int]) -> SMTPRecorder:
    """The mail that really arrived at the test SMTP server during this test."""
    recorder, _ = smtp_server
    recorder.reset()
    return recorder


# --- databases ----------------------------------------------------------------------


@contextmanager
def fresh_postgres_database(prefix: str = "frontline_test") -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        service_unavailable("PostgreSQL")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A private PostgreSQL database for this test run (and xdist worker)."""
    with fresh_postgres_database() as url:
        yield url


def base_config(tmp_path: Path, postcode_db: Path, smtp_port: int) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        "HUEY_IMMEDIATE": True,
        "CACHE_TYPE": "NullCache",
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "SIGN_FORM_MIN_SECONDS": 0,
        "POSTCODE_DB": str(postcode_db),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "Frontline <hello@frontline.test>",
        "MAIL_BOUNCE_ADDRESS": "bounces@frontline.test",
        "MAIL_MAX_ATTEMPTS": 3,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return str(request.getfixturevalue("postgres_database"))


class FreshGlobalsClient(FlaskClient):
    """Tests hold an app context for database access, and Flask reuses it for requests,
    so `g` would carry over between requests (CSRF token, logged-in user). In production
    every request starts with an empty `g`; so does every request here."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(
    tmp_path: Path, postcode_db: Path, smtp_server: tuple[SMTPRecorder, int], database_url: str
) -> Iterator[Callable[..., Flask]]:
    """Make an app on this test's database (tables created, emptied afterwards)."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = base_config(tmp_path, postcode_db, smtp_server[1])
        config["SQLALCHEMY_DATABASE_URI"] = database_url
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = FreshGlobalsClient
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app

    yield make
    if apps:
        with apps[0].app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- makers -------------------------------------------------------------------------


@pytest.fixture
def make_sector(app: Flask) -> Callable[..., Any]:
    """A sector made through the real service, as an admin would (audited as the system)."""
    from campaign.pledges import services
    from campaign.pledges.models import Sector

    def make(slug: str = "health", name: str = "Health", **kwargs: Any) -> Sector:
        sector = services.create_sector(actor=None, slug=slug, name=name, **kwargs)
        db.session.commit()
        return sector

    return make


@pytest.fixture
def make_pledge(app: Flask, make_sector: Callable[..., Any]) -> Callable[..., Any]:
    """A pledge made through the real service (with its first wording version); asked
    again for the same slug with nothing else, the one already made."""
    from campaign.pledges import services
    from campaign.pledges.models import Pledge, Sector

    def make(slug: str = "gp-surgeries", *, sector: Sector | None = None, **kwargs: Any) -> Pledge:
        existing = db.session.scalar(db.select(Pledge).filter_by(slug=slug))
        if existing is not None and not kwargs and sector is None:
            return existing
        if sector is None:
            sector = db.session.scalar(db.select(Sector).filter_by(slug="health")) or make_sector()
        kwargs.setdefault("title", "GP staff against data sharing")
        kwargs.setdefault("statement", "I will not pass on patients' details.")
        kwargs.setdefault("target", 100)
        pledge = services.create_pledge(actor=None, sector=sector, slug=slug, **kwargs)
        db.session.commit()
        return pledge

    return make


@pytest.fixture
def make_signature(app: Flask, make_pledge: Callable[..., Any]) -> Callable[..., Any]:
    """A signature made through the real services (confirmed=True counts it)."""
    from campaign.pledges import services
    from campaign.pledges.models import Pledge

    def make(
        email: str = "sam@example.org",
        *,
        pledge: Pledge | None = None,
        confirmed: bool = True,
        area_code: str = "E09000033",
        name: str = "Sam Jones",
        display: str = "none",
        flag_reason: str = "",
        **kwargs: Any,
    ) -> Any:
        pledge = pledge or make_pledge()
        signature = services.sign(
            pledge=pledge,
            name=name,
            email=email,
            area_code=area_code,
            role=kwargs.get("role", ""),
            display=display,
            wants_updates=kwargs.get("wants_updates", False),
            wants_alerts=kwargs.get("wants_alerts", False),
            flag_reason=flag_reason,
        )
        if confirmed:
            services.confirm(signature)
        db.session.commit()
        return signature

    return make


# --- forms --------------------------------------------------------------------------


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden inputs of the page's form (CSRF token, signed timestamp …)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


@pytest.fixture
def submit_form(client: FlaskClient) -> Callable[..., Any]:
    """GET a page, then POST its form with its hidden fields plus `data`."""

    def submit(url: str, data: dict[str, Any], *, action: str | None = None, **kwargs: Any) -> Any:
        page = client.get(url)
        assert page.status_code == 200, page.status_code
        fields = hidden_inputs(page.get_data(as_text=True))
        fields.update(data)
        return client.post(action or url, data=fields, **kwargs)

    return submit


@pytest.fixture
def sign_data() -> dict[str, Any]:
    return {
        "name": "Asha Patel",
        "email": "asha@example.org",
        "postcode": "SW1A 1AA",
        "role": "Receptionist",
        "display": "initial",
        "consent": "y",
    }
