"""Sectors and pledges from the admin area: targets, wording versions, open and closed."""

from __future__ import annotations

import json

from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.pledges.models import Pledge, PledgeWording, Sector
from campaign.supporters.models import ConsentRecord
from tests.accounts.conftest import post_form


def pledge_fields(pledge, **changes):
    fields = {
        "sector_id": str(pledge.sector_id),
        "title": pledge.title,
        "statement": pledge.statement,
        "target": str(pledge.target),
        "position": str(pledge.position),
    }
    if pledge.is_open:
        fields["is_open"] = "y"
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def test_organiser_sets_a_target_the_public_sees(client, make_pledge, make_user, sign_in):
    pledge = make_pledge(target=100)
    organiser = make_user()
    sign_in(organiser)
    url = f"/admin/pledges/{pledge.id}"
    response = post_form(client, url, pledge_fields(pledge, target="2500"))
    assert response.status_code == 303
    assert "Saved." in client.get(response.headers["Location"]).get_data(as_text=True)

    public = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    assert "Target: 2,500" in public
    counts = client.get("/api/v1/counts").get_json()
    assert [p["target"] for p in counts["pledges"]] == [2500]
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="pledge.update"))
    assert entry.actor_id == organiser.id and entry.target == f"pledge:{pledge.id}"
    assert json.loads(entry.detail) == {"target": {"from": 100, "to": 2500}}


def test_editing_a_pledge_keeps_its_sector(client, make_pledge, make_sector, make_user, sign_in):
    """Found by trying it: the form showed no sector selected, so the browser sent the
    first one and every edit moved the pledge into that sector."""
    make_sector()
    education = make_sector("education", "Education")
    pledge = make_pledge("schools", sector=education)
    sign_in(make_user())
    page = client.get(f"/admin/pledges/{pledge.id}").get_data(as_text=True)
    assert f'<option selected value="{education.id}">Education</option>' in page
    form = {"sector_id": str(education.id), "title": pledge.title, "statement": pledge.statement}
    post_form(client, f"/admin/pledges/{pledge.id}", {**form, "target": "20000", "is_open": "y"})
    pledge = db.session.get(Pledge, pledge.id)
    assert (pledge.target, pledge.sector_id) == (20000, education.id)


def test_invalid_target_is_refused(client, make_pledge, make_user, sign_in):
    pledge = make_pledge(target=100)
    sign_in(make_user())
    for target in ("0", "-5", "lots", ""):
        response = post_form(
            client, f"/admin/pledges/{pledge.id}", pledge_fields(pledge, target=target)
        )
        assert response.status_code == 422, target
        assert "There is a problem" in response.get_data(as_text=True)
    assert db.session.get(Pledge, pledge.id).target == 100


def test_new_wording_is_a_new_version_and_signers_keep_theirs(
    client, make_pledge, make_signature, make_user, sign_in
):
    pledge = make_pledge(statement="I will not pass on patients' details.")
    make_signature("early@example.org", pledge=pledge)
    sign_in(make_user())
    new_statement = "I will not pass on patients' details to immigration enforcement."
    post_form(client, f"/admin/pledges/{pledge.id}", pledge_fields(pledge, statement=new_statement))

    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.wording_version == 2
    versions = db.session.scalars(db.select(PledgeWording).order_by(PledgeWording.version)).all()
    assert [(w.version, w.statement) for w in versions] == [
        (1, "I will not pass on patients' details."),
        (2, new_statement),
    ]
    [early] = db.session.scalars(
        db.select(ConsentRecord).filter_by(purpose=f"pledge:{pledge.slug}")
    )
    assert early.wording_version.endswith("-v1")
    page = client.get(f"/admin/pledges/{pledge.id}").get_data(as_text=True)
    assert "Version 2 (current)" in page and "Version 1" in page

    # A target change alone does not make a new version.
    post_form(client, f"/admin/pledges/{pledge.id}", pledge_fields(pledge, target="300"))
    assert db.session.get(Pledge, pledge.id).wording_version == 2


def test_closing_and_opening_a_pledge(client, make_pledge, make_user, sign_in):
    pledge = make_pledge()
    sign_in(make_user())
    post_form(
        client, "/admin/pledges", {"is_open": "no"}, action=f"/admin/pledges/{pledge.id}/open"
    )
    assert db.session.get(Pledge, pledge.id).is_open is False
    assert "This pledge is closed" in client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    post_form(
        client, "/admin/pledges", {"is_open": "yes"}, action=f"/admin/pledges/{pledge.id}/open"
    )
    assert db.session.get(Pledge, pledge.id).is_open is True
    details = db.session.scalars(db.select(AuditLog.detail).filter_by(action="pledge.update"))
    assert [json.loads(d)["is_open"]["to"] for d in details] == [False, True]


def test_admin_creates_sector_and_pledge(client, make_user, sign_in):
    sign_in(make_user("ada@example.org", role="admin"))
    response = post_form(
        client,
        "/admin/sectors/new",
        {"slug": "libraries", "name": "Libraries", "description": "Public libraries."},
    )
    assert response.status_code == 303
    sector = db.session.scalar(db.select(Sector).filter_by(slug="libraries"))
    response = post_form(
        client,
        "/admin/pledges/new",
        {
            "slug": "library-staff",
            "sector_id": str(sector.id),
            "title": "Library staff keep readers' records private",
            "statement": "I will not share readers' records for immigration enforcement.",
            "target": "400",
            "is_open": "y",
        },
    )
    assert response.status_code == 303
    assert "Library staff keep readers" in client.get("/").get_data(as_text=True)
    pledge = db.session.scalar(db.select(Pledge).filter_by(slug="library-staff"))
    assert db.session.scalar(db.select(PledgeWording.version).filter_by(pledge_id=pledge.id)) == 1
    actions = db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["sector.create", "pledge.create"]

    taken = post_form(client, "/admin/sectors/new", {"slug": "libraries", "name": "Again"})
    assert taken.status_code == 422
    assert "already used" in taken.get_data(as_text=True)
    bad = post_form(client, "/admin/sectors/new", {"slug": "Bad Slug!", "name": "Bad"})
    assert "lower-case letters" in bad.get_data(as_text=True)


def test_editing_a_sector(client, make_sector, make_user, sign_in):
    sector = make_sector()
    sign_in(make_user("ada@example.org", role="admin"))
    post_form(client, f"/admin/sectors/{sector.id}", {"name": "Health and care", "position": "2"})
    assert db.session.get(Sector, sector.id).name == "Health and care"
    assert db.session.scalar(db.select(AuditLog.action).filter_by(target=f"sector:{sector.id}"))
