"""The supporters export: after re-authentication, audited, safe to open in a
spreadsheet, and only people who agreed to campaign emails (SEC-14, SEC-16, AUD-01)."""

from __future__ import annotations

import csv
import io
import json

from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.spreadsheets import neutralise
from campaign.supporters.services import suppress
from tests.accounts.conftest import PASSWORD, post_form


def test_export_needs_recent_reauthentication_and_is_audited(
    client, make_pledge, make_signature, make_user, sign_in, clock, code_for
):
    pledge = make_pledge()
    make_signature("yes@example.org", pledge=pledge, name="Yara Yes", wants_updates=True)
    make_signature("no@example.org", pledge=pledge, name="Nat No")
    make_signature("later@example.org", pledge=pledge, wants_updates=True, confirmed=False)
    make_signature(
        "flag@example.org", pledge=pledge, wants_updates=True, flag_reason="rate-limit-ip"
    )
    gone = make_signature("gone@example.org", pledge=pledge, wants_updates=True)
    suppress(email_hash_value=gone.supporter.email_hash, reason="unsubscribed")
    db.session.commit()
    user = make_user()
    sign_in(user)
    clock.advance(minutes=10)

    response = client.get("/admin/export")
    assert response.headers["Location"] == "/accounts/reauth?next=/admin/export"
    # A valid form, sent from a page opened before the time ran out, is not enough either.
    stale = post_form(client, "/accounts/settings/", {}, action="/admin/export")
    assert stale.status_code == 302
    assert stale.headers["Location"] == "/accounts/reauth?next=/admin/export"
    assert db.session.scalar(db.select(AuditLog).filter_by(action="supporters.export")) is None

    clock.advance(seconds=30)
    post_form(
        client,
        "/accounts/reauth?next=/admin/export",
        {"password": PASSWORD, "code": code_for(user)},
    )
    page = client.get("/admin/export")
    assert "of the 1 confirmed supporters" in page.get_data(as_text=True)
    download = post_form(client, "/admin/export", {"pledge": "", "sector": ""})
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["email", "name", "pledges", "local_authority", "confirmed_on"]
    assert [row[:4] for row in rows[1:]] == [
        ["yes@example.org", "Yara Yes", pledge.slug, "Westminster"]
    ]

    entry = db.session.scalar(db.select(AuditLog).filter_by(action="supporters.export"))
    assert entry.actor_id == user.id
    assert json.loads(entry.detail) == {"rows": 1}


def test_spreadsheet_formulas_are_neutralised(
    client, make_pledge, make_signature, make_user, sign_in
):
    pledge = make_pledge()
    make_signature(
        "f@example.org", pledge=pledge, name='=HYPERLINK("http://x","y")', wants_updates=True
    )
    make_signature("g@example.org", pledge=pledge, name="+44 123", wants_updates=True)
    make_signature("h@example.org", pledge=pledge, name="-1+1", wants_updates=True)
    sign_in(make_user())
    body = post_form(client, "/admin/export", {}).get_data(as_text=True)
    names = [row[1] for row in list(csv.reader(io.StringIO(body)))[1:]]
    assert names == ['\'=HYPERLINK("http://x","y")', "'+44 123", "'-1+1"]


def test_neutralise_every_dangerous_first_character():
    for first in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(first + "1+1") == "'" + first + "1+1"
    assert neutralise("Asha Patel") == "Asha Patel"
    assert neutralise("") == ""


def test_export_filtered_by_pledge(client, make_pledge, make_signature, make_user, sign_in):
    gp = make_pledge()
    school = make_pledge("schools", title="Schools")
    make_signature("both@example.org", pledge=gp, wants_updates=True)
    make_signature("both@example.org", pledge=school, wants_updates=True)
    make_signature("gp@example.org", pledge=gp, wants_updates=True)
    sign_in(make_user())
    everyone = list(
        csv.reader(io.StringIO(post_form(client, "/admin/export", {}).get_data(as_text=True)))
    )
    assert {row[0]: row[2] for row in everyone[1:]} == {
        "both@example.org": f"{gp.slug}; schools",
        "gp@example.org": gp.slug,
    }
    body = post_form(client, "/admin/export", {"pledge": str(school.id)}).get_data(as_text=True)
    assert [row[0] for row in list(csv.reader(io.StringIO(body)))[1:]] == ["both@example.org"]
