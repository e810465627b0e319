"""Default-deny in the admin area: every admin route in the URL map refuses every role
below the one it declares, and every admin form needs its CSRF token (SEC-07, STYLE rule
5). What holds for every protected blueprint is in tests/accounts/test_account_access.py."""

from __future__ import annotations

import re

import pytest

from campaign.accounts.access import required_role
from campaign.accounts.models import Invitation, User
from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.pledges.models import Pledge, Signature
from tests.accounts.test_account_access import protected_routes


def admin_routes(app):
    """(url, method, endpoint) for every admin rule, ids filled with real objects' ids."""
    return protected_routes(app, "admin")


@pytest.fixture
def world(app, make_user, make_signature):
    """One of everything the admin routes can name, with id 1."""
    admin = make_user("ada@example.org", role="admin")
    make_signature(flag_reason="rate-limit-ip")
    db.session.add(Invitation(email="new@example.org", role="organiser", invited_by_id=admin.id))
    db.session.commit()
    return admin


def snapshot():
    """What an admin POST could change."""
    pledge = db.session.get(Pledge, 1)
    return (
        [(u.role, u.active) for u in db.session.scalars(db.select(User).order_by(User.id))],
        (pledge.target, pledge.is_open, pledge.title),
        [(s.id, s.flagged) for s in db.session.scalars(db.select(Signature))],
        [i.revoked_at for i in db.session.scalars(db.select(Invitation))],
        db.session.scalar(db.select(db.func.count()).select_from(AuditLog)),
    )


def csrf_token(client, path="/accounts/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_every_admin_view_is_for_organisers_or_admins(app):
    routes = admin_routes(app)
    assert len(routes) >= 20
    assert {required_role(endpoint) for _, _, endpoint in routes} <= {"organiser", "admin"}


def test_anonymous_visitors_change_nothing(app, client, world):
    token = csrf_token(client)
    before = snapshot()
    for url, method, _ in admin_routes(app):
        assert client.open(url, method=method, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["coordinator", "organiser"])
def test_lower_roles_are_refused(app, client, world, make_user, sign_in, role):
    sign_in(make_user(f"{role}@example.org", role=role))
    token = csrf_token(client, "/accounts/settings/")
    db.session.expire_all()
    before = snapshot()
    allowed = []
    for url, method, endpoint in admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        if role == "coordinator" or required_role(endpoint) == "admin":
            assert response.status_code == 403, (role, method, url)
        else:
            assert response.status_code != 403, (role, method, url)
            allowed.append(endpoint)
    if role == "organiser":
        assert "admin.edit_pledge" in allowed and "admin.signatures" in allowed
        assert "admin.accounts" not in allowed and "admin.audit" not in allowed
    db.session.expire_all()
    after = snapshot()
    if role == "coordinator":
        assert after == before
    else:
        assert after[:4] == before[:4]  # the organiser's refused requests changed nothing


def test_admins_reach_every_admin_route(app, client, world, sign_in):
    sign_in(world)
    for url, method, _ in admin_routes(app):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_every_admin_form_needs_its_csrf_token(app, client, world, sign_in):
    sign_in(world)
    before = snapshot()
    for url, method, _ in admin_routes(app):
        if method == "POST":
            response = client.post(url, data={"is_open": "no", "active": "no", "role": "admin"})
            assert response.status_code == 400, url
            assert "This form has expired" in response.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot()[:4] == before[:4]


def test_every_admin_page_form_carries_a_csrf_token(app, client, world, sign_in):
    sign_in(world)
    pages = [url for url, method, _ in admin_routes(app) if method == "GET"]
    pages += ["/accounts/settings/", "/accounts/settings/password", "/accounts/settings/email"]
    forms_seen = 0
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
            if 'method="post"' in form:
                forms_seen += 1
                assert 'name="csrf_token"' in form, (url, form[:200])
    assert forms_seen >= 15


def menu(client, url):
    """The admin menu's links, as the page shows them."""
    page = client.get(url).get_data(as_text=True)
    start = page.index('<nav class="admin-nav"')
    nav = page[start : page.index("</nav>", start)]
    return re.findall(r'<a href="[^"]+"(?: aria-current="page")?>([^<]+)</a>', nav)


def test_the_menu_shows_each_role_the_pages_it_may_open(app, make_user, sign_in):
    """Built from what each view declares, so a link never leads to a refusal."""
    browsers = {role: app.test_client() for role in ("coordinator", "organiser", "admin")}
    for role, browser in browsers.items():
        sign_in(make_user(f"{role}@example.org", role=role), with_client=browser)
    everything = ["Dashboard", "Pledges", "Sectors", "Signatures", "Export", "Accounts"]
    assert menu(browsers["admin"], "/admin/") == [*everything, "Audit log", "Your account"]
    organiser = ["Dashboard", "Pledges", "Signatures", "Export", "Your account"]
    assert menu(browsers["organiser"], "/admin/") == organiser
    assert menu(browsers["organiser"], "/accounts/settings/") == organiser
    assert menu(browsers["coordinator"], "/accounts/settings/") == ["Your account"]
    assert menu(browsers["coordinator"], "/admin/") == ["Your account"]  # the refusal page
