"""One's own account: every change needs the password and a code again (SEC-14)."""

from __future__ import annotations

import re

import pyotp

from campaign.accounts.models import User
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, post_form

NEW_PASSWORD = "mossy stones line the old canal towpath"


def reauthenticate(client, user, clock, code_for, next_path):
    clock.advance(seconds=30)
    response = post_form(
        client,
        f"/accounts/reauth?next={next_path}",
        {"password": PASSWORD, "code": code_for(user)},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == next_path


def test_changing_the_password_asks_for_password_and_code_again(
    app, client, make_user, sign_in, clock, code_for
):
    user = make_user()
    other_browser = app.test_client()
    sign_in(user, with_client=other_browser)
    sign_in(user)
    clock.advance(minutes=6)  # signing in counts as recent, but not for long

    response = client.get("/accounts/settings/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/reauth?next=/accounts/settings/password"
    wrong = post_form(
        client,
        "/accounts/reauth?next=/accounts/settings/password",
        {"password": PASSWORD, "code": "000000"},
    )
    assert "The password or code is not right." in wrong.get_data(as_text=True)
    reauthenticate(client, user, clock, code_for, "/accounts/settings/password")

    done = post_form(
        client, "/accounts/settings/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303
    assert client.get("/admin/").status_code == 200  # this session goes on
    assert other_browser.get("/admin/").status_code == 302  # the others end
    actions = db.session.scalars(db.select(AuditLog.action)).all()
    assert {"reauth.failed", "reauth.succeeded", "account.password_changed"} <= set(actions)


def test_changing_the_email_address(client, make_user, sign_in, clock, code_for):
    user = make_user()
    make_user("taken@example.org")
    sign_in(user)
    clock.advance(minutes=6)
    assert client.get("/accounts/settings/email").status_code == 302
    reauthenticate(client, user, clock, code_for, "/accounts/settings/email")

    taken = post_form(client, "/accounts/settings/email", {"email": "taken@example.org"})
    assert "belongs to another account" in taken.get_data(as_text=True)
    done = post_form(client, "/accounts/settings/email", {"email": "Olu.New@example.org"})
    assert done.status_code == 303
    assert db.session.get(User, user.id).email == "olu.new@example.org"


def test_moving_to_a_new_authenticator(client, make_user, sign_in, clock, code_for):
    user = make_user()
    old_secret = user.totp_secret
    sign_in(user)  # within the last few minutes: no need to re-authenticate yet
    start = post_form(client, "/accounts/settings/authenticator", {})
    assert start.headers["Location"] == "/accounts/settings/authenticator/confirm"
    page = client.get("/accounts/settings/authenticator/confirm").get_data(as_text=True)
    new_secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    new_secret = new_secret.replace(" ", "")
    assert new_secret != old_secret

    clock.advance(seconds=30)
    old_code = pyotp.TOTP(old_secret).at(clock.now())
    refused = post_form(client, "/accounts/settings/authenticator/confirm", {"code": old_code})
    assert refused.status_code == 422
    done = post_form(
        client,
        "/accounts/settings/authenticator/confirm",
        {"code": pyotp.TOTP(new_secret).at(clock.now())},
    )
    assert "Your recovery codes" in done.get_data(as_text=True)
    assert db.session.get(User, user.id).totp_secret == new_secret
    assert "account.totp_changed" in db.session.scalars(db.select(AuditLog.action)).all()


def test_new_recovery_codes_replace_the_old(client, make_user, sign_in):
    from campaign.accounts import totp

    user = make_user()
    old = totp.new_recovery_codes(user)
    db.session.commit()
    sign_in(user)
    page = post_form(client, "/accounts/settings/", {}, action="/accounts/settings/recovery-codes")
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert totp.use_recovery_code(db.session.get(User, user.id), old[0]) is False


def test_settings_need_signing_in(client):
    for path in ("/accounts/settings/", "/accounts/settings/password", "/accounts/reauth"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login")


def test_a_stale_button_press_returns_to_a_page_after_reauthentication(
    client, make_user, sign_in, clock, code_for
):
    """ "Make new recovery codes" is a button (POST only): after the password and code the
    person comes back to their settings, not to a URL that can only answer 405."""
    user = make_user()
    sign_in(user)
    clock.advance(minutes=10)
    stale = post_form(client, "/accounts/settings/", {}, action="/accounts/settings/recovery-codes")
    assert stale.status_code == 302
    clock.advance(seconds=30)
    back = post_form(
        client, stale.headers["Location"], {"password": PASSWORD, "code": code_for(user)}
    )
    assert back.status_code == 303
    settings = client.get(back.headers["Location"])
    assert settings.status_code == 200
    assert "Make new recovery codes" in settings.get_data(as_text=True)
