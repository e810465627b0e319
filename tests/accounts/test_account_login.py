"""Signing in: password then a one-time code; identical answers for unknown accounts;
throttling without lock-out; sessions that end (SEC-08, 10, 11, 12, 13)."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import limits.storage.memory
import limits.strategies
import pytest
from argon2 import PasswordHasher

from campaign.accounts.models import AccountSession, User
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, post_form, without_tokens


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)))


def test_sign_in_with_password_then_code(client, make_user, sign_in):
    user = make_user()
    assert client.get("/admin/").status_code == 302

    response = sign_in(user)
    assert response.headers["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "Dashboard" in dashboard.get_data(as_text=True)
    assert db.session.get(User, user.id).last_login_at is not None
    assert audit_actions() == ["login.succeeded"]


def test_password_alone_is_not_enough(client, make_user):
    user = make_user()
    response = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/accounts/login/code"
    assert client.get("/admin/").status_code == 302  # still signed out
    assert "Enter your code" in client.get("/accounts/login/code").get_data(as_text=True)


def test_unknown_account_and_wrong_password_get_the_same_answer(client, make_user):
    make_user("olu@example.org")
    make_user("off@example.org", active=False)
    answers = []
    for email, password in (
        ("nobody@example.org", PASSWORD),  # no such account
        ("olu@example.org", PASSWORD + " wrong"),  # wrong password
        ("off@example.org", PASSWORD),  # right password, disabled account
    ):
        response = post_form(client, "/accounts/login", {"email": email, "password": password})
        page = without_tokens(response.get_data(as_text=True)).replace(email, "EMAIL")
        answers.append((response.status_code, page))
    assert answers[0][0] == 200
    assert "The email address or password is not right." in answers[0][1]
    assert answers[0] == answers[1] == answers[2]
    failures = db.session.scalars(db.select(AuditLog).filter_by(action="login.failed")).all()
    assert len(failures) == 3
    assert failures[0].actor_id is None and failures[0].target == ""
    assert "nobody" not in failures[0].detail  # what was typed is never kept


def test_a_code_cannot_be_used_twice(client, make_user, code_for, clock):
    user = make_user()
    clock.advance(seconds=30)
    code = code_for(user)
    post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert post_form(client, "/accounts/login/code", {"code": code}).status_code == 303
    client.post("/accounts/logout", data={"csrf_token": _token(client)})

    # Seconds later someone replays the same code (shoulder-surfed, or phished).
    post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    replay = post_form(client, "/accounts/login/code", {"code": code})
    assert replay.status_code == 200
    assert "has been used already" in replay.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def _token(client):
    page = client.get("/accounts/settings/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_three_wrong_codes_mean_starting_again(client, make_user):
    user = make_user()
    post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    for _ in range(3):
        response = post_form(client, "/accounts/login/code", {"code": "000000"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/login"
    assert client.get("/accounts/login/code").status_code == 302
    assert audit_actions().count("login.failed") == 3


def test_recovery_code_works_once(client, make_user, sign_in, code_for, clock):
    from campaign.accounts import totp

    user = make_user()
    codes = totp.new_recovery_codes(user)
    db.session.commit()
    post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    response = post_form(client, "/accounts/login/code", {"code": codes[0].upper()})
    assert response.status_code == 303
    assert "recovery code. 9 left" in client.get("/admin/").get_data(as_text=True)
    client.post("/accounts/logout", data={"csrf_token": _token(client)})

    post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    again = post_form(client, "/accounts/login/code", {"code": codes[0]})
    assert "has been used already" in again.get_data(as_text=True)


def test_new_session_at_sign_in(client, make_user, sign_in):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone who had this browser before"
    sign_in(user)
    with client.session_transaction() as session:
        assert "planted" not in session
    sign_in_again = db.session.scalars(db.select(AccountSession)).all()
    assert len(sign_in_again) == 1


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_old_password_hashes_are_upgraded_at_sign_in(client, make_user, sign_in):
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    sign_in(user)
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(upgraded)


NEXT_TARGETS = [
    ("/admin/pledges", "/admin/pledges"),
    ("/admin/signatures?status=flagged", "/admin/signatures?status=flagged"),
    ("//evil.example", "/admin/"),
    ("/%09/evil.example", "/admin/"),  # a tab: dropped on the way out, leaving //evil.example
    ("/%0a/x", "/admin/"),  # a line break can't go in a header at all
    ("/%0d%0aSet-Cookie:%20x=1", "/admin/"),
    ("/%5C%5Cevil.example", "/admin/"),  # backslashes: browsers read them as slashes
    ("https://evil.example/admin/", "/admin/"),
    ("//[evil", "/admin/"),
    ("javascript:alert(1)", "/admin/"),
]


def test_next_only_goes_to_this_site(client, make_user, clock, code_for):
    user = make_user()
    for target, expected in NEXT_TARGETS:
        page = client.get(f"/accounts/login?next={target}")
        assert page.status_code == 200
        post_form(
            client,
            f"/accounts/login?next={target}",
            {"email": user.email, "password": PASSWORD},
        )
        clock.advance(seconds=30)
        done = post_form(client, "/accounts/login/code", {"code": code_for(user)})
        assert done.headers["Location"] == expected
        client.post("/accounts/logout", data={"csrf_token": _token(client)})


def test_reauthentication_returns_only_to_this_site(client, make_user, sign_in, clock, code_for):
    user = make_user()
    sign_in(user)
    for target, expected in NEXT_TARGETS:
        clock.advance(seconds=30)
        page = client.get(f"/accounts/reauth?next={target}")
        assert page.status_code == 200, target
        done = post_form(
            client,
            f"/accounts/reauth?next={target}",
            {"password": PASSWORD, "code": code_for(user)},
        )
        assert done.status_code == 303, target
        home = "/accounts/settings/"
        assert done.headers["Location"] == (home if expected == "/admin/" else expected), target


# Port 1: nothing listens there, so every call to the rate-limit storage fails at once.
REDIS_DOWN = {
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
}
STORAGE = pytest.mark.parametrize("storage", [{}, REDIS_DOWN], ids=["storage-up", "redis-down"])


def checked_passwords() -> int:
    """Passwords that were really checked: each check writes a login.failed audit row,
    a throttled attempt writes none."""
    return audit_actions().count("login.failed")


@STORAGE
def test_throttling_holds_with_the_rate_limit_storage_down(make_app, make_user, storage):
    user = make_user()
    app = make_app(**storage)
    client = app.test_client()

    def attempt(email, password):
        return post_form(client, "/accounts/login", {"email": email, "password": password})

    answers = [attempt(user.email, "wrong").status_code for _ in range(12)]
    assert answers == [200] * 5 + [429] * 7
    assert checked_passwords() == 5
    assert attempt(user.email, PASSWORD).status_code == 429  # resting: not even checked
    # An unknown address gets exactly the same answers (SEC-12).
    ghost = [attempt("ghost@example.org", "wrong").status_code for _ in range(12)]
    assert ghost == answers
    assert checked_passwords() == 10

    # Not a permanent lock-out: once the window has passed, the right password works.
    later = SimpleNamespace(time=lambda: time.time() + 16 * 60)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits.storage.memory, "time", later)
        patch.setattr(limits.strategies, "time", later)
        response = attempt(user.email, PASSWORD)
    assert response.headers["Location"] == "/accounts/login/code"


@STORAGE
def test_throttling_per_network_holds_with_the_rate_limit_storage_down(make_app, storage):
    app = make_app(LOGIN_RATE_LIMIT_PER_IP="4 per 15 minutes", **storage)
    with app.app_context():
        client = app.test_client()
        answers = [
            post_form(client, "/accounts/login", {"email": f"a{n}@example.org", "password": "x"})
            for n in range(6)
        ]
        assert [response.status_code for response in answers] == [200] * 4 + [429] * 2
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        form = {"email": "b@example.org", "password": "x"}
        assert post_form(other, "/accounts/login", form).status_code == 200
