"""Every emailed link that cannot be used gets the same page and the same status rule
(campaign/links.py): 404 when it was altered or names nothing we hold, 410 when it was
genuine but has expired or already been used."""

from __future__ import annotations

import pytest

from campaign.accounts.links import INVITATION, RESET
from campaign.accounts.models import Invitation, PasswordReset, User
from campaign.extensions import db
from campaign.pledges.links import CONFIRM
from campaign.supporters.links import MANAGE, STAY, UNSUBSCRIBE
from campaign.timeutil import utcnow

EXPIRED_AT_ONCE = {
    "CONFIRM_TOKEN_MAX_AGE": -1,
    "MANAGE_LINK_MAX_AGE": -1,
    "RECONFIRM_GRACE_DAYS": -2,
    "INVITE_MAX_AGE": -1,
    "RESET_MAX_AGE": -1,
}


def genuine_links(make_signature):
    """A genuine link of every kind, by the path it opens: {path: (link, payload)}."""
    signature = make_signature("asha@example.org", confirmed=False)
    user = User(email="ada@example.org", role="admin")
    invitation = Invitation(email="new@example.org", role="organiser")
    db.session.add_all([user, invitation, PasswordReset(user=user)])
    db.session.commit()
    reset = db.session.scalars(db.select(PasswordReset)).one()
    supporter_id = signature.supporter_id
    return {
        "/confirm/": (CONFIRM, signature.id),
        "/my-data/": (MANAGE, supporter_id),
        "/my-data/stay/": (STAY, supporter_id),
        "/u/": (UNSUBSCRIBE, [supporter_id, "campaign"]),
        "/accounts/invitation/": (INVITATION, invitation.id),
        "/accounts/reset/": (RESET, reset.id),
    }


@pytest.fixture
def links(make_signature):
    return genuine_links(make_signature)


def test_every_link_works_and_an_altered_one_gets_the_one_page(client, links):
    for path, (link, payload) in links.items():
        token = link.token(payload)
        assert client.get(path + token).status_code == 200, path
        altered = client.get(path + token[:-3] + "abc")
        assert altered.status_code == 404, path
        assert "<h1>This link does not work</h1>" in altered.get_data(as_text=True), path
        # A genuine token made for another kind of link opens nothing here.
        other = links["/my-data/" if path != "/my-data/" else "/confirm/"]
        assert client.get(path + other[0].token(other[1])).status_code == 404, path


def test_links_to_what_is_gone_answer_404_and_say_so(client, links):
    for path, heading in [
        ("/confirm/", "This signature no longer exists"),
        ("/my-data/", "There is nothing held for this link"),
        ("/my-data/stay/", "There is nothing held for this link"),
    ]:
        page = client.get(path + links[path][0].token(10**9))
        assert page.status_code == 404, path
        assert f"<h1>{heading}</h1>" in page.get_data(as_text=True), path


def test_expired_links_answer_410(make_app, make_signature):
    app = make_app(**EXPIRED_AT_ONCE)
    with app.app_context():
        client = app.test_client()
        for (path, (link, payload)), heading in zip(
            genuine_links(make_signature).items(),
            [
                "This confirmation link has expired",
                "This link has expired",
                "This link has expired",
                None,  # unsubscribe links never expire: an old email's must still work
                "This link doesn’t work any more",
                "This link doesn’t work any more",
            ],
            strict=True,
        ):
            page = client.get(path + link.token(payload))
            if heading is None:
                assert page.status_code == 200, path
                continue
            assert page.status_code == 410, path
            assert f"<h1>{heading}</h1>" in page.get_data(as_text=True), path


def test_a_link_that_worked_once_answers_410(client, links):
    link, reset_id = links["/accounts/reset/"]
    db.session.get(PasswordReset, reset_id).used_at = utcnow()
    db.session.commit()
    page = client.get("/accounts/reset/" + link.token(reset_id))
    assert page.status_code == 410
    assert "Password reset links work once" in page.get_data(as_text=True)
