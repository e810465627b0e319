"""Password reset by email, without revealing which addresses have accounts (SEC-12)."""

from __future__ import annotations

from urllib.parse import urlsplit

from campaign.accounts.models import User
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, post_form, without_tokens

NEW_PASSWORD = "a heron stands in the shallows at low tide"


def ask_for_reset(client, email):
    response = post_form(client, "/accounts/reset", {"email": email})
    assert response.status_code == 303
    return client.get(response.headers["Location"])


def test_reset_by_email_then_sign_in_with_the_new_password(app, client, make_user, sign_in, smtp):
    user = make_user()
    elsewhere = app.test_client()
    sign_in(user, with_client=elsewhere)
    assert "Check your email" in ask_for_reset(client, "OLU@example.org ").get_data(as_text=True)

    [mail] = smtp.to("olu@example.org")
    assert mail.message["Subject"] == "Reset your password"
    path = urlsplit(mail.link("/accounts/reset/")).path
    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/accounts/login"

    assert elsewhere.get("/admin/").status_code == 302  # every session ended
    assert client.get(path).status_code == 410  # the link worked once
    old = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert old.status_code == 200  # refused
    sign_in(user, password=NEW_PASSWORD)  # still needs the authenticator code
    assert client.get("/admin/").status_code == 200


def test_reset_answers_the_same_for_unknown_addresses(client, make_user, smtp):
    make_user()
    known = ask_for_reset(client, "olu@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known.get_data(as_text=True)) == without_tokens(
        unknown.get_data(as_text=True)
    )
    assert len(smtp.to("olu@example.org")) == 1
    assert smtp.to("nobody@example.org") == []


def test_reset_emails_are_limited(client, make_user, smtp):
    make_user()
    for _ in range(5):
        ask_for_reset(client, "olu@example.org")
    assert len(smtp.to("olu@example.org")) == 3


def test_a_reset_link_dies_when_the_password_changes_another_way(client, make_user, smtp):
    user = make_user()
    ask_for_reset(client, user.email)
    ask_for_reset(client, user.email)
    first, second = (urlsplit(m.link("/accounts/reset/")).path for m in smtp.to(user.email))
    assert post_form(client, second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(first).status_code == 410
    assert db.session.get(User, user.id).password_hash != ""


def test_weak_new_password_is_refused(client, make_user, smtp):
    user = make_user()
    ask_for_reset(client, user.email)
    path = urlsplit(smtp.to(user.email)[0].link("/accounts/reset/")).path
    response = post_form(
        client, path, {"password": "password123456789", "confirm": "password123456789"}
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200  # not used up by a refused attempt
