"""Fixtures for tests of accounts and the admin area: accounts made with real argon2
hashes and TOTP secrets, a clock the tests can move forward, signing in through the real
forms, and a recorder of SQL statements. tests/admin and tests/audit import them from
here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from campaign.accounts import passwords, sessions, totp
from campaign.accounts.models import User
from campaign.extensions import db
from tests.conftest import hidden_inputs

PASSWORD = "correct horse battery staple on the ferry"
_hashes: dict[str, str] = {}


def password_hash(password: str) -> str:
    """argon2 hashes are slow on purpose: make each test password's hash once."""
    if password not in _hashes:
        _hashes[password] = passwords.hash_password(password)
    return _hashes[password]


@dataclass
class Clock:
    """The time as the account code sees it (TOTP steps, session time-outs)."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(totp, "utcnow", moved.now)
    monkeypatch.setattr(sessions, "utcnow", moved.now)
    return moved


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """An account; enrolled (with a TOTP secret) unless enrolled=False."""

    def make(
        email: str = "olu@example.org",
        *,
        role: str = "organiser",
        password: str = PASSWORD,
        enrolled: bool = True,
        name: str = "Olu Adeyemi",
        active: bool = True,
    ) -> User:
        user = User(
            email=email,
            name=name,
            role=role,
            password_hash=password_hash(password),
            totp_secret=pyotp.random_base32() if enrolled else None,
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def code_for(clock: Clock) -> Callable[[User], str]:
    """The code the person's authenticator app shows now."""

    def code(user: User) -> str:
        assert user.totp_secret
        return pyotp.TOTP(user.totp_secret).at(clock.now())

    return code


def page_text(client: FlaskClient, url: str) -> str:
    """GET a page that must answer 200: its text."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return page.get_data(as_text=True)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, action: str | None = None, **kwargs: Any
) -> Any:
    """GET a page with this client, then POST its form (to `action`, or back to the page)
    with the page's CSRF token plus `data`."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    fields = {
        k: v for k, v in hidden_inputs(page.get_data(as_text=True)).items() if k == "csrf_token"
    }
    fields.update(data)
    return client.post(action or url, data=fields, **kwargs)


@pytest.fixture
def sign_in(
    client: FlaskClient, clock: Clock, code_for: Callable[[User], str]
) -> Callable[..., Any]:
    """Sign in through the two real forms; a new 30-second step each time, so each
    sign-in has a code never used before (as it would, half a minute later)."""

    def sign(
        user: User, *, with_client: FlaskClient | None = None, password: str = PASSWORD
    ) -> Any:
        browser = with_client or client
        first = post_form(browser, "/accounts/login", {"email": user.email, "password": password})
        assert first.status_code == 303, first.get_data(as_text=True)
        clock.advance(seconds=30)
        second = post_form(browser, "/accounts/login/code", {"code": code_for(user)})
        assert second.status_code == 303, second.get_data(as_text=True)
        return second

    return sign


def without_tokens(html: str) -> str:
    """A page with its per-request CSRF token taken out, to compare two answers."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


@pytest.fixture
def statements(app: Flask) -> Callable[[], AbstractContextManager[list[str]]]:
    """`with statements() as seen:` lists the SQL statements run inside the block: to
    show what a page costs, and that it does not grow with the rows it shows."""

    @contextmanager
    def record() -> Iterator[list[str]]:
        seen: list[str] = []

        def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", note)

    return record
