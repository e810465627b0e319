"""`flask accounts create-admin`: the first admin, by prompts or from the environment."""

from __future__ import annotations

import pytest

from campaign.accounts.models import User
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, post_form


def test_create_admin_by_prompts_then_enrol_at_first_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["accounts", "create-admin"],
        input=f"Ada@Example.org\nAda Lovelace\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Admin account created for ada@example.org." in result.output
    assert "http://localhost/accounts/login" in result.output
    assert PASSWORD not in result.output  # the password prompt hides what is typed
    user = db.session.scalar(db.select(User))
    assert (user.email, user.role, user.totp_secret) == ("ada@example.org", "admin", None)
    assert db.session.scalar(db.select(AuditLog.action)) == "account.create_admin"

    # Signing in goes to setting up the authenticator, not to the admin area.
    response = post_form(client, "/accounts/login", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/accounts/enrol"
    assert "Scan this QR code" in client.get("/accounts/enrol").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_create_admin_from_the_environment(app):
    result = app.test_cli_runner().invoke(
        args=["accounts", "create-admin"],
        env={
            "FRONTLINE_ADMIN_EMAIL": "ops@example.org",
            "FRONTLINE_ADMIN_NAME": "Ops",
            "FRONTLINE_ADMIN_PASSWORD": PASSWORD,
        },
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.email)) == "ops@example.org"


def test_create_admin_refuses_weak_passwords_and_duplicates(app, make_user):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["accounts", "create-admin", "--email", "a@example.org", "--name", "A"],
        input="password1234567\npassword1234567\n",
    )
    assert weak.exit_code == 1
    assert "too easy to guess" in weak.output
    make_user("b@example.org")
    twice = runner.invoke(
        args=["accounts", "create-admin", "--email", "b@example.org", "--name", "B"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert twice.exit_code == 1
    assert "already an account" in twice.output
    assert db.session.scalar(db.select(User).filter_by(email="a@example.org")) is None


def test_create_admin_asks_again_for_an_address_or_name_that_cannot_work(app):
    result = app.test_cli_runner().invoke(
        args=["accounts", "create-admin"],
        input=f"not an email\n   \nada@example.org\n   \nAda Lovelace\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    # The same words as the sign-in form, and a second chance instead of a dead account.
    assert "Enter an email address like name@example.org." in result.output
    assert "Enter an email address." in result.output
    assert "Enter a name." in result.output
    user = db.session.scalar(db.select(User))
    assert (user.email, user.name) == ("ada@example.org", "Ada Lovelace")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FRONTLINE_ADMIN_EMAIL", "not an email", "Enter an email address like name@example.org."),
        ("FRONTLINE_ADMIN_EMAIL", "   ", "Enter an email address."),
        ("FRONTLINE_ADMIN_EMAIL", "ops@example.org\nx", "Remove line breaks"),
        ("FRONTLINE_ADMIN_NAME", "   ", "Enter a name."),
        ("FRONTLINE_ADMIN_NAME", "x" * 101, "Use 100 characters or fewer."),
    ],
)
def test_create_admin_refuses_bad_details_from_the_environment(app, variable, value, message):
    env = {
        "FRONTLINE_ADMIN_EMAIL": "ops@example.org",
        "FRONTLINE_ADMIN_NAME": "Ops",
        "FRONTLINE_ADMIN_PASSWORD": PASSWORD,
        variable: value,
    }
    result = app.test_cli_runner().invoke(args=["accounts", "create-admin"], env=env)
    assert result.exit_code != 0
    assert variable in result.output and message in result.output
    assert "Admin account created" not in result.output
    assert db.session.scalar(db.select(User)) is None
