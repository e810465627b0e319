"""Admins manage accounts: roles, disabling and enabling, last sign-in, invitations."""

from __future__ import annotations

import json
import re

from campaign.accounts import totp
from campaign.accounts.models import Invitation, RecoveryCode, User
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import PASSWORD, page_text, post_form


def test_accounts_list_shows_roles_status_and_last_sign_in(client, make_user, sign_in):
    admin = make_user("ada@example.org", role="admin")
    make_user("new@example.org", enrolled=False)
    make_user("off@example.org", active=False)
    sign_in(admin)
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "Authenticator not set up yet" in page and "Disabled" in page
    assert page.count("Never") == 2  # the admin has signed in; the other two have not


def test_changing_a_role_applies_at_once(app, make_user, sign_in):
    admin_browser, their_browser = app.test_client(), app.test_client()
    organiser = make_user("olu@example.org")
    sign_in(organiser, with_client=their_browser)
    assert their_browser.get("/admin/accounts").status_code == 403

    sign_in(make_user("ada@example.org", role="admin"), with_client=admin_browser)
    response = post_form(admin_browser, f"/admin/accounts/{organiser.id}", {"role": "admin"})
    assert response.status_code == 303
    assert their_browser.get("/admin/accounts").status_code == 200
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="account.role_changed"))
    assert json.loads(entry.detail) == {"from": "organiser", "to": "admin"}


def test_admins_cannot_lock_themselves_out(client, make_user, sign_in):
    admin = make_user("ada@example.org", role="admin")
    sign_in(admin)
    own = post_form(
        client, f"/admin/accounts/{admin.id}", {}, action=f"/admin/accounts/{admin.id}/active"
    )
    assert own.status_code == 303
    assert db.session.get(User, admin.id).active is True
    page = client.get(f"/admin/accounts/{admin.id}").get_data(as_text=True)
    assert "This is your own account" in page
    refused = client.post(
        f"/admin/accounts/{admin.id}",
        data={"role": "organiser", "csrf_token": _token(page)},
    )
    assert "cannot change your own role" in refused.get_data(as_text=True)
    assert db.session.get(User, admin.id).role == "admin"


def _token(page):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_disable_then_enable(client, make_user, sign_in):
    sign_in(make_user("ada@example.org", role="admin"))
    organiser = make_user("olu@example.org")
    url = f"/admin/accounts/{organiser.id}"
    post_form(client, url, {"active": "no"}, action=url + "/active")
    assert db.session.get(User, organiser.id).active is False
    assert "Enable the account" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"active": "yes"}, action=url + "/active")
    assert db.session.get(User, organiser.id).active is True
    actions = db.session.scalars(
        db.select(AuditLog.action).filter(AuditLog.action.like("account.%"))
    )
    assert list(actions) == ["account.disabled", "account.enabled"]


def test_withdrawing_an_invitation(client, make_user, sign_in, smtp):
    sign_in(make_user("ada@example.org", role="admin"))
    post_form(
        client,
        "/admin/accounts",
        {"email": "new@example.org", "role": "organiser"},
        action="/admin/accounts/invite",
    )
    invitation = db.session.scalar(db.select(Invitation))
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "Invitations not yet used" in page and "new@example.org" in page
    post_form(
        client,
        "/admin/accounts",
        {"active": "revoke"},
        action=f"/admin/invitations/{invitation.id}/revoke",
    )
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    from urllib.parse import urlsplit

    link = urlsplit(smtp.to("new@example.org")[0].link("/accounts/invitation/")).path
    assert client.application.test_client().get(link).status_code == 410


def test_an_admin_resets_a_lost_authenticator(app, make_user, sign_in):
    """Lost phone, lost recovery codes: an admin resets the authenticator; the person
    is signed out everywhere and sets up a new one at their next sign-in."""
    admin_browser, their_browser = app.test_client(), app.test_client()
    organiser = make_user("olu@example.org")
    totp.new_recovery_codes(organiser)
    db.session.commit()
    sign_in(organiser, with_client=their_browser)
    admin = make_user("ada@example.org", role="admin")
    sign_in(admin, with_client=admin_browser)

    account = f"/admin/accounts/{organiser.id}"
    assert "Reset their authenticator" in admin_browser.get(account).get_data(as_text=True)
    confirm = admin_browser.get(account + "/authenticator").get_data(as_text=True)
    assert "their password alone opens their account" in confirm
    done = post_form(admin_browser, account + "/authenticator", {})
    assert done.status_code == 303 and done.headers["Location"] == account
    page = admin_browser.get(account).get_data(as_text=True)
    assert "olu@example.org is signed out everywhere" in page
    assert "Authenticator not set up yet" in page

    assert their_browser.get("/admin/").status_code == 302
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="account.totp_reset"))
    assert (entry.actor_id, entry.target) == (admin.id, f"user:{organiser.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0

    # At the next sign-in the password leads to a new authenticator, and nothing old works.
    again = post_form(
        their_browser, "/accounts/login", {"email": organiser.email, "password": PASSWORD}
    )
    assert again.headers["Location"] == "/accounts/enrol"
    enrol = their_browser.get("/accounts/enrol").get_data(as_text=True)
    assert "Set up your authenticator" in enrol
    assert their_browser.get("/accounts/login/code").status_code == 302  # no code step


def test_resetting_an_authenticator_needs_a_recent_password_and_code(
    client, make_user, sign_in, clock
):
    organiser = make_user("olu@example.org")
    sign_in(make_user("ada@example.org", role="admin"))
    clock.advance(minutes=10)
    url = f"/admin/accounts/{organiser.id}/authenticator"
    assert client.get(url).headers["Location"] == f"/accounts/reauth?next={url}"
    stale = client.post(
        url, data={"csrf_token": _token(client.get("/admin/accounts").get_data(as_text=True))}
    )
    assert stale.status_code == 302
    assert stale.headers["Location"] == f"/accounts/reauth?next={url}"
    db.session.expire_all()
    assert db.session.get(User, organiser.id).totp_secret is not None
    assert db.session.scalar(db.select(AuditLog).filter_by(action="account.totp_reset")) is None


def test_admins_reset_their_own_authenticator_in_their_settings(client, make_user, sign_in):
    admin = make_user("ada@example.org", role="admin")
    sign_in(admin)
    url = f"/admin/accounts/{admin.id}/authenticator"
    page = client.get(url).get_data(as_text=True)
    assert "This is your own account" in page and "Reset the authenticator</button>" not in page
    refused = post_form(client, url, {})
    assert "move to a new authenticator in your account settings" in client.get(
        refused.headers["Location"]
    ).get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_secret is not None


def _role_options(page):
    """The choices of the Role select, as (value, label)."""
    select = re.search(r'<select[^>]*name="role".*?</select>', page, re.S).group(0)
    return re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', select)


def test_coordinators_are_not_offered_until_local_groups_exist(client, make_user, sign_in):
    """A coordinator account could do nothing yet: an admin can't invite one, nor make
    one, and a request for one by hand is refused."""
    admin = make_user("ada@example.org", role="admin")
    organiser = make_user("olu@example.org")
    sign_in(admin)
    accounts = page_text(client, "/admin/accounts")
    assert _role_options(accounts) == [("admin", "Admin"), ("organiser", "Organiser")]
    assert "coordinator" not in accounts.lower()
    refused = post_form(
        client,
        "/admin/accounts",
        {"email": "new@example.org", "role": "coordinator"},
        action="/admin/accounts/invite",
    )
    assert refused.status_code == 422
    assert db.session.scalar(db.select(Invitation)) is None

    own_page = page_text(client, f"/admin/accounts/{organiser.id}")
    assert _role_options(own_page) == [("admin", "Admin"), ("organiser", "Organiser")]
    post_form(client, f"/admin/accounts/{organiser.id}", {"role": "coordinator"})
    db.session.expire_all()
    assert db.session.get(User, organiser.id).role == "organiser"


def test_an_existing_coordinator_keeps_the_role_and_can_be_moved_up(client, make_user, sign_in):
    sign_in(make_user("ada@example.org", role="admin"))
    coordinator = make_user("cai@example.org", role="coordinator")
    page = page_text(client, f"/admin/accounts/{coordinator.id}")
    assert _role_options(page) == [
        ("admin", "Admin"),
        ("organiser", "Organiser"),
        ("coordinator", "Group coordinator"),
    ]
    assert re.search(r'<option selected value="coordinator">', page)  # shown as theirs
    post_form(client, f"/admin/accounts/{coordinator.id}", {"role": "organiser"})
    db.session.expire_all()
    assert db.session.get(User, coordinator.id).role == "organiser"


def test_a_coordinator_who_signs_in_is_told_what_the_role_is_for(client, make_user, sign_in):
    coordinator = make_user("cai@example.org", role="coordinator")
    landed = sign_in(coordinator).headers["Location"]
    assert landed == "/accounts/settings/"
    settings = page_text(client, landed)
    assert "What a group coordinator does" in settings
    assert "Local groups are not part of this site yet" in settings

    for url in ("/admin/", "/admin/signatures", "/admin/accounts"):
        refused = client.get(url)
        assert refused.status_code == 403  # still default-deny
        page = refused.get_data(as_text=True)
        assert "<h1>Nothing here for your account yet</h1>" in page
        assert "Your account is a group coordinator account" in page
        assert "Local groups are not part of this site yet" in page
        assert "Forbidden" not in page
        assert 'href="/accounts/settings/"' in page


def test_an_organiser_on_an_admins_page_is_told_whom_to_ask(client, make_user, sign_in):
    sign_in(make_user("olu@example.org"))
    refused = client.get("/admin/accounts")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "<h1>Only admins can use this page</h1>" in page
    assert "Your account is an organiser account" in page
    assert "Forbidden" not in page
