"""Invitations by email, choosing a password, enrolling an authenticator (SEC-09, 10, 12)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp

from campaign.accounts.models import Invitation, RecoveryCode, User
from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.timeutil import utcnow
from tests.accounts.conftest import PASSWORD, post_form

NEW_PASSWORD = "seven tired otters queue for the night bus"


def invite(client, sign_in, make_user, email="nadia@example.org", role="organiser"):
    admin = make_user("ada@example.org", role="admin", name="Ada Admin")
    sign_in(admin)
    response = post_form(
        client, "/admin/accounts", {"email": email, "role": role}, action="/admin/accounts/invite"
    )
    assert response.status_code == 303
    return admin, client.get("/admin/accounts").get_data(as_text=True)


def secret_on(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def test_invited_organiser_chooses_password_enrols_and_is_signed_in(
    app, make_user, sign_in, smtp, clock
):
    admin_browser, newcomer = app.test_client(), app.test_client()
    _, page = invite(admin_browser, lambda u: sign_in(u, with_client=admin_browser), make_user)
    assert "Invitation sent to nadia@example.org" in page

    [mail] = smtp.to("nadia@example.org")
    assert mail.message["Subject"] == "You're invited to help run Frontline campaign"
    assert "Ada Admin has invited you" in mail.text
    path = urlsplit(mail.link("/accounts/invitation/")).path

    chosen = post_form(
        newcomer,
        path,
        {"name": "Nadia Rahman", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert chosen.headers["Location"] == "/accounts/enrol"
    enrol = newcomer.get("/accounts/enrol").get_data(as_text=True)
    assert '<svg role="img"' in enrol and "style=" not in enrol.split("<svg", 1)[1][:2000]
    secret = secret_on(enrol)

    clock.advance(seconds=30)
    done = post_form(newcomer, "/accounts/enrol", {"code": pyotp.TOTP(secret).at(clock.now())})
    assert done.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert newcomer.get("/admin/").status_code == 200  # signed in

    user = db.session.scalar(db.select(User).filter_by(email="nadia@example.org"))
    assert (user.name, user.role, user.totp_secret) == ("Nadia Rahman", "organiser", secret)
    stored = db.session.scalars(db.select(RecoveryCode.code_hash).filter_by(user_id=user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    actions = db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-4:] == [
        "account.invite",
        "account.invitation_accepted",
        "account.totp_enrolled",
        "login.succeeded",
    ]

    # The link worked once.
    again = newcomer.get(path)
    assert again.status_code == 410
    assert "doesn’t work any more" in again.get_data(as_text=True)


def test_invitation_links_expire_and_cannot_be_forged(client, make_user, sign_in, smtp):
    invite(client, sign_in, make_user)
    path = urlsplit(smtp.to("nadia@example.org")[0].link("/accounts/invitation/")).path
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "abc").status_code == 404  # altered: like any link we never made

    invitation = db.session.scalar(db.select(Invitation))
    invitation.created_at = utcnow().replace(year=utcnow().year - 1)
    db.session.commit()
    assert client.get(path).status_code == 410  # too old


def test_a_newer_invitation_replaces_the_older_one(client, make_user, sign_in, smtp):
    invite(client, sign_in, make_user)
    post_form(
        client,
        "/admin/accounts",
        {"email": "nadia@example.org", "role": "admin"},
        action="/admin/accounts/invite",
    )
    first, second = smtp.to("nadia@example.org")
    assert client.get(urlsplit(first.link("/accounts/invitation/")).path).status_code == 410
    assert client.get(urlsplit(second.link("/accounts/invitation/")).path).status_code == 200


def test_inviting_an_existing_account_looks_the_same_to_the_admin(client, make_user, sign_in, smtp):
    make_user("olu@example.org")
    _, page_existing = invite(client, sign_in, make_user, email="olu@example.org")
    assert "Invitation sent to olu@example.org" in page_existing

    [mail] = smtp.to("olu@example.org")
    assert "already has an account" in " ".join(mail.text.split())
    assert "/accounts/invitation/" not in mail.text  # nothing to accept

    post_form(
        client,
        "/admin/accounts",
        {"email": "new@example.org", "role": "organiser"},
        action="/admin/accounts/invite",
    )
    assert "Invitation sent to new@example.org" in client.get("/admin/accounts").get_data(
        as_text=True
    )


def test_weak_passwords_are_refused_and_passphrases_welcome(client, make_user, sign_in, smtp):
    invite(client, sign_in, make_user)
    path = urlsplit(smtp.to("nadia@example.org")[0].link("/accounts/invitation/")).path
    newcomer = client.application.test_client()
    for password, message in (
        ("short words", "at least 15 characters"),
        ("iloveyou1234567", "too easy to guess"),  # a common password with digits on
        ("passwordpassword", "too easy to guess"),
        ("nadia@example.org!", "too easy to guess"),  # their own address
        ("Nadia Rahman 2026!!", "too easy to guess"),  # their own name
    ):
        response = post_form(
            newcomer, path, {"name": "Nadia Rahman", "password": password, "confirm": password}
        )
        assert response.status_code == 422, password
        assert message in response.get_data(as_text=True), password
    assert db.session.scalar(db.select(User).filter_by(email="nadia@example.org")) is None

    long_passphrase = "the quiet library opens at nine and closes late on thursdays " * 3
    response = post_form(
        newcomer,
        path,
        {"name": "Nadia Rahman", "password": long_passphrase, "confirm": long_passphrase},
    )
    assert response.status_code == 303


def test_most_common_passwords_are_named_as_such(app):
    from campaign.accounts.passwords import password_problem

    app.config["PASSWORD_MIN_LENGTH"] = 8  # the list's entries are short
    assert "most common passwords" in password_problem("password1", user_inputs=[])
    assert "most common passwords" in password_problem("Football", user_inputs=[])
    assert password_problem(PASSWORD, user_inputs=["olu@example.org"]) is None


def test_password_fields_allow_pasting_and_password_managers(client, make_user, sign_in, smtp):
    invite(client, sign_in, make_user)
    path = urlsplit(smtp.to("nadia@example.org")[0].link("/accounts/invitation/")).path
    page = client.application.test_client().get(path).get_data(as_text=True)
    assert 'autocomplete="new-password"' in page
    assert "onpaste" not in page
    password_inputs = re.findall(r'<input[^>]*type="password"[^>]*>', page)
    assert len(password_inputs) == 2
    # Long passphrases fit: no limit below 1,000 characters.
    assert all('maxlength="1000"' in tag or "maxlength" not in tag for tag in password_inputs)


def test_account_emails_are_rendered_by_a_worker_outside_any_request(app, make_user, smtp):
    """Workers have no request: links come from SITE_URL (a bug found by trying it)."""
    from campaign.accounts import services
    from campaign.deliveries.sending import send_due

    app.config["SITE_URL"] = "https://frontline.example"
    admin = make_user("ada@example.org", role="admin")
    services.invite(actor=admin, email="nadia@example.org", role="organiser")
    services.request_password_reset(email=admin.email)
    db.session.commit()
    report = send_due()
    assert report.sent == 2
    assert (
        smtp.to("nadia@example.org")[0]
        .link("/accounts/invitation/")
        .startswith("https://frontline.example/accounts/invitation/")
    )
    assert smtp.to(admin.email)[0].link("/accounts/reset/").startswith("https://frontline.example/")
