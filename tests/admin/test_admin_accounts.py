"""Admins manage accounts: roles, disabling and enabling, last sign-in, invitations."""

from __future__ import annotations

import json

from campaign.accounts.models import Invitation, User
from campaign.audit import AuditLog
from campaign.extensions import db
from tests.accounts.conftest import post_form


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
