"""Sessions end: after 30 idle minutes, after 12 hours, at logout, when an account is
disabled; and sign-in throttling never locks anyone out for good (SEC-11, SEC-13)."""

from __future__ import annotations

import time

import limits.storage.memory
import limits.strategies
import pytest

from campaign.accounts.models import AccountSession
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, post_form


def test_idle_timeout(client, make_user, sign_in, clock):
    sign_in(make_user())
    clock.advance(minutes=29)
    assert client.get("/admin/").status_code == 200  # activity restarts the idle clock
    clock.advance(minutes=29)
    assert client.get("/admin/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login")
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in login


def test_every_signed_in_page_keeps_the_session_alive(client, make_user, sign_in, clock):
    """The admin area, the account settings and the sign-in pages all note activity,
    each request restarting the idle clock."""
    sign_in(make_user())
    for path in ("/accounts/settings/", "/accounts/reauth", "/admin/pledges", "/admin/"):
        clock.advance(minutes=29)
        assert client.get(path).status_code == 200, path
    clock.advance(minutes=31)
    assert client.get("/accounts/settings/").status_code == 302


def test_absolute_timeout_even_when_active(client, make_user, sign_in, clock):
    sign_in(make_user())
    for _ in range(40):  # busy all day: a request every 25 minutes
        clock.advance(minutes=25)
        if client.get("/admin/").status_code != 200:
            break
    assert clock.offset.total_seconds() > 11 * 3600
    assert clock.offset.total_seconds() <= 12 * 3600 + 26 * 60
    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, make_user, sign_in):
    sign_in(make_user())
    with client.session_transaction() as session:
        copied = dict(session)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Sign out" in page
    response = post_form(client, "/admin/", {}, action="/accounts/logout")
    assert response.headers["Location"] == "/accounts/login"
    assert client.get("/admin/").status_code == 302

    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(copied)
    assert thief.get("/admin/").status_code == 302
    assert "logout" in db.session.scalars(db.select(AuditLog.action)).all()


def test_logout_needs_the_csrf_token(client, make_user, sign_in):
    sign_in(make_user())
    assert client.post("/accounts/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_disabling_an_account_ends_its_sessions(app, make_user, sign_in):
    admin_browser, organiser_browser = app.test_client(), app.test_client()
    organiser = make_user("olu@example.org")
    sign_in(organiser, with_client=organiser_browser)
    assert organiser_browser.get("/admin/").status_code == 200

    sign_in(make_user("ada@example.org", role="admin"), with_client=admin_browser)
    response = post_form(
        admin_browser,
        f"/admin/accounts/{organiser.id}",
        {"active": "no"},
        action=f"/admin/accounts/{organiser.id}/active",
    )
    assert response.status_code == 303
    assert "disabled" in admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert organiser_browser.get("/admin/").status_code == 302

    # And they can't sign in again: the same answer as a wrong password.
    again = post_form(
        organiser_browser, "/accounts/login", {"email": organiser.email, "password": PASSWORD}
    )
    assert "The email address or password is not right." in again.get_data(as_text=True)


@pytest.fixture
def limits_clock(monkeypatch):
    """Move the rate-limit storage's clock (memory storage) forward."""

    class Moved:
        offset = 0.0

        def time(self) -> float:
            return time.time() + self.offset

    moved = Moved()
    monkeypatch.setattr(limits.storage.memory, "time", moved)
    monkeypatch.setattr(limits.strategies, "time", moved)
    return moved


def test_throttling_per_account_then_let_in_again(client, make_user, sign_in, limits_clock):
    user = make_user()
    for _ in range(5):
        wrong = post_form(client, "/accounts/login", {"email": user.email, "password": "nope"})
        assert wrong.status_code == 200
    # Now even the right password is not checked: the account is resting.
    right = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert right.status_code == 429
    assert "Too many attempts" in right.get_data(as_text=True)

    # An unknown address is throttled just the same (no enumeration through throttling).
    for _ in range(5):
        post_form(client, "/accounts/login", {"email": "ghost@example.org", "password": "x"})
    ghost = post_form(client, "/accounts/login", {"email": "ghost@example.org", "password": "x"})
    assert ghost.status_code == 429

    limits_clock.offset = 16 * 60  # no permanent lock-out
    sign_in(user)
    assert client.get("/admin/").status_code == 200


def test_throttling_per_network(make_app):
    app = make_app(LOGIN_RATE_LIMIT_PER_IP="4 per 15 minutes")
    with app.app_context():
        client = app.test_client()
        for n in range(4):
            post_form(client, "/accounts/login", {"email": f"a{n}@example.org", "password": "x"})
        response = post_form(
            client, "/accounts/login", {"email": "a9@example.org", "password": "x"}
        )
        assert response.status_code == 429
        # Another network (another hashed IP) can still try.
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        response = post_form(other, "/accounts/login", {"email": "b@example.org", "password": "x"})
        assert response.status_code == 200


def test_wrong_codes_count_towards_throttling(client, make_user):
    user = make_user()
    for _ in range(2):
        post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
        for _ in range(3):
            post_form(client, "/accounts/login/code", {"code": "123456"})
    # Six wrong codes: even the right password is turned away for now.
    again = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert again.status_code == 429


def test_public_pages_set_no_cookies_even_when_signed_in(client, make_pledge, make_user, sign_in):
    pledge = make_pledge()
    assert "Set-Cookie" not in client.get("/").headers
    sign_in(make_user())
    for path in ("/", f"/pledges/{pledge.slug}/thanks", "/privacy", "/api/v1/counts"):
        assert "Set-Cookie" not in client.get(path).headers, path


def test_a_signed_in_page_reads_its_session_once_and_notes_activity_once_a_minute(
    client, make_user, sign_in, clock, statements
):
    """Every page of the admin area and the account settings asks who is signed in. That
    is one read of the session; a write only when the last one is a minute old or more
    (plenty for a 30-minute idle limit), not a write and a commit for every page."""
    sign_in(make_user())

    def visit(path):
        with statements() as seen:
            assert client.get(path).status_code == 200, path
        reads = [s for s in seen if s.startswith("SELECT") and "FROM account_session" in s]
        writes = [s for s in seen if s.startswith("UPDATE account_session")]
        return len(reads), len(writes)

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(db.select(AccountSession.last_seen_at))

    signed_in_at = last_seen()
    for path in ("/admin/", "/accounts/settings/", "/admin/pledges"):
        assert visit(path) == (1, 0), path
    clock.advance(seconds=20)
    assert visit("/admin/") == (1, 0)
    assert last_seen() == signed_in_at
    clock.advance(minutes=2)
    assert visit("/accounts/settings/") == (1, 1)
    assert last_seen() > signed_in_at
    assert visit("/admin/") == (1, 0)


def test_throttling_keeps_to_its_own_deployments_keys(make_app):
    """Two deployments sharing one rate-limit store (one Redis) each count their own sign-in
    failures, under their own RATELIMIT_KEY_PREFIX, as the rest of Flask-Limiter does."""
    ours = make_app(RATELIMIT_KEY_PREFIX="ours", LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per hour")
    theirs = make_app(RATELIMIT_KEY_PREFIX="theirs", LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per hour")

    def try_to_sign_in(app):
        with app.app_context():
            form = {"email": "olu@example.org", "password": "wrong"}
            return post_form(app.test_client(), "/accounts/login", form).status_code

    assert [try_to_sign_in(ours) for _ in range(4)] == [200, 200, 200, 429]
    assert try_to_sign_in(theirs) == 200
