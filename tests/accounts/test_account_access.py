"""Default-deny for every signed-in area (STYLE rule 5): a protected blueprint's views
each declare the lowest role that may use them, undeclared means refused; and an object
named in a URL is 404 to anyone who doesn't own it (SEC-15)."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint
from flask_login import current_user

from campaign.accounts.access import (
    allow,
    get_owned_or_404,
    is_protected,
    protect,
    required_role,
)
from campaign.accounts.roles import COORDINATOR, ROLES
from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.pledges.models import Pledge


def protected_routes(app, blueprint=None):
    """(url, method, endpoint) for every rule of a protected blueprint (or of the one
    named), ids filled in with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        name = rule.endpoint.rpartition(".")[0]
        if not is_protected(app, name) or blueprint not in (None, name):
            continue
        url = re.sub(r"<int:[a-z_]+>", "1", rule.rule)
        assert "<" not in url, f"fill in the arguments of {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((url, method, rule.endpoint))
    return routes


def test_every_protected_view_declares_the_role_it_needs(app):
    protected = {name for name in app.blueprints if is_protected(app, name)}
    assert protected == {"admin", "account_settings"}
    routes = protected_routes(app)
    assert len(routes) >= 28
    assert {required_role(endpoint) for _, _, endpoint in routes} <= set(ROLES)


def test_anonymous_visitors_are_sent_to_sign_in_from_every_protected_page(app, client):
    page = client.get("/accounts/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
    for url, method, _ in protected_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/accounts/login"), (method, url)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)) == 0


def test_a_role_no_one_has_is_a_mistake_found_at_once():
    with pytest.raises(ValueError, match="unknown role"):
        allow("organizer")


@pytest.fixture
def area(app):
    """A new protected blueprint, as the groups feature will add one: a view that forgot
    to declare a role, and one that loads a pledge by its id for whoever owns it."""
    bp = Blueprint("area", __name__, url_prefix="/area")
    protect(bp)

    @bp.get("/forgotten")
    def forgotten():
        return "open to all"

    @bp.get("/pledges/<int:pledge_id>")
    @allow(COORDINATOR)
    def pledge(pledge_id):
        return get_owned_or_404(Pledge, pledge_id, actor=current_user).title

    app.register_blueprint(bp)
    return bp


def test_a_new_blueprint_is_closed_until_its_views_say_who_may_use_them(
    app, area, client, make_pledge, make_user, sign_in
):
    pledge = make_pledge()
    assert client.get(f"/area/pledges/{pledge.id}").status_code == 302
    sign_in(make_user("admin@example.org", role="admin"))
    forgotten = client.get("/area/forgotten")
    assert forgotten.status_code == 403  # even for an admin
    assert "It is not open to any account" in forgotten.get_data(as_text=True)
    assert client.get(f"/area/pledges/{pledge.id}").get_data(as_text=True) == pledge.title


def test_campaign_objects_belong_to_organisers_and_admins(
    app, area, make_pledge, make_user, sign_in
):
    pledge = make_pledge()
    browsers = {role: app.test_client() for role in ROLES}
    for role, browser in browsers.items():
        sign_in(make_user(f"{role}@example.org", role=role), with_client=browser)
    answers = {
        role: b.get(f"/area/pledges/{pledge.id}").status_code for role, b in browsers.items()
    }
    assert answers == {
        "coordinator": 404,  # as if it did not exist: nothing learnt from the URL
        "organiser": 200,
        "admin": 200,
    }
    assert browsers["admin"].get(f"/area/pledges/{pledge.id + 1}").status_code == 404


def test_a_model_can_bring_its_own_owner_rule(
    app, area, client, make_pledge, make_user, sign_in, monkeypatch
):
    """As a local group will: "the coordinators of this group" (here: of one pledge)."""
    mine = make_pledge("mine", title="Mine")
    theirs = make_pledge("theirs", title="Theirs")
    coordinator = make_user("coordinator@example.org", role="coordinator")
    monkeypatch.setattr(
        Pledge,
        "is_owned_by",
        lambda pledge, actor: pledge.slug == "mine" and actor.id == coordinator.id,
        raising=False,
    )
    sign_in(coordinator)
    assert client.get(f"/area/pledges/{mine.id}").get_data(as_text=True) == "Mine"
    assert client.get(f"/area/pledges/{theirs.id}").status_code == 404
