"""Sectors and pledges from the admin area: targets, wording versions, open and closed."""

from __future__ import annotations

import json
import re
import threading
import time

from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.pledges import services
from campaign.pledges.models import Pledge, PledgeWording, Sector
from campaign.supporters.models import ConsentRecord
from tests.accounts.conftest import post_form
from tests.admin.conftest import HUGE


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


def test_a_target_too_big_names_the_largest_allowed(client, make_pledge, make_user, sign_in):
    """Twenty nines fit no integer column: the organiser is told the real limit, once,
    and the limit itself is accepted and stored, on SQLite and PostgreSQL alike."""
    pledge = make_pledge(target=100)
    sign_in(make_user())
    url = f"/admin/pledges/{pledge.id}"
    for target in (HUGE, "100000001", "lots", "0"):
        response = post_form(client, url, pledge_fields(pledge, target=target))
        assert response.status_code == 422, target
        errors = re.findall(r'class="field-error"[^>]*>(.*?)</p>', response.get_data(as_text=True))
        assert [re.sub(r"<[^>]+>", "", e).strip() for e in errors] == [
            "Error: Enter a whole number from 1 to 100,000,000."
        ], target
    assert db.session.get(Pledge, pledge.id).target == 100
    response = post_form(client, url, pledge_fields(pledge, target="100,000,000"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).target == 100_000_000


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
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="sector.update"))
    assert entry.target == f"sector:{sector.id}"
    assert json.loads(entry.detail) == {
        "name": {"from": "Health", "to": "Health and care"},
        "position": {"from": 0, "to": 2},
    }


def test_the_cost_of_the_pledge_and_sector_lists_does_not_grow_with_sectors(
    client, make_pledge, make_sector, make_user, sign_in, statements
):
    sign_in(make_user("ada@example.org", role="admin"))

    def cost(url):
        with statements() as seen:
            page = client.get(url)
        assert page.status_code == 200
        return len(seen), page.get_data(as_text=True)

    make_pledge()
    few = {url: cost(url)[0] for url in ("/admin/pledges", "/admin/sectors")}
    for n in range(4):
        make_pledge(f"pledge-{n}", sector=make_sector(f"sector-{n}", f"Sector {n}"))
    for url in ("/admin/pledges", "/admin/sectors"):
        more, page = cost(url)
        assert more == few[url], url
        assert "Sector 3" in page


def test_two_organisers_changing_the_wording_at_once(
    app, make_pledge, make_user, sign_in, monkeypatch
):
    """Both press Save on a new statement at the same moment. Neither gets a server error;
    every version's words are kept, the pledge says what its current version says, and
    whoever can't be saved is told why."""
    pledge = make_pledge(statement="Version one.")
    url = f"/admin/pledges/{pledge.id}"
    browsers = [app.test_client(), app.test_client()]
    forms = []
    for n, browser in enumerate(browsers):
        sign_in(make_user(f"organiser{n}@example.org"), with_client=browser)
        page = browser.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
        forms.append({"csrf_token": token, **pledge_fields(pledge, statement=f"From {n}.")})

    # Both have read the pledge before either writes: the window in which two saves race.
    save = services.edit_pledge
    monkeypatch.setattr(services, "edit_pledge", lambda **kw: (time.sleep(0.5), save(**kw))[1])
    responses: list = [None, None]

    def press_save(n):
        with app.app_context():
            responses[n] = browsers[n].post(url, data=forms[n])

    threads = [threading.Thread(target=press_save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([303, 303], [303, 409]), statuses
    for response in responses:
        if response.status_code == 409:
            assert "changed this pledge’s wording" in response.get_data(as_text=True)
    db.session.expire_all()
    pledge = db.session.get(Pledge, pledge.id)
    versions = db.session.scalars(
        db.select(PledgeWording).filter_by(pledge_id=pledge.id).order_by(PledgeWording.version)
    ).all()
    assert [w.version for w in versions] == list(range(1, statuses.count(303) + 2))
    assert versions[0].statement == "Version one."
    assert {w.statement for w in versions[1:]} <= {"From 0.", "From 1."}
    assert pledge.wording_version == versions[-1].version
    assert pledge.statement == versions[-1].statement


def test_demo_content_is_made_as_an_admin_would_make_it(app, client, make_user, sign_in):
    """`flask demo` goes through the same service as the admin pages: each pledge has its
    first wording version to show, and the log says the system created it."""
    runner = app.test_cli_runner()
    assert "Loaded 9 sectors" in runner.invoke(args=["demo"]).output
    pledge = db.session.scalar(db.select(Pledge).filter_by(slug="gp-surgeries"))
    sign_in(make_user("ada@example.org", role="admin"))

    page = client.get(f"/admin/pledges/{pledge.id}").get_data(as_text=True)
    assert "Wording history" in page and "Version 1 (current)" in page
    log = client.get(f"/admin/audit?target=pledge:{pledge.id}").get_data(as_text=True)
    assert "<td>Created a pledge</td>" in log
    assert "already has sectors" in runner.invoke(args=["demo"]).output
