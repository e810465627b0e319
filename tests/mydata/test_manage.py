"""Manage your data from an emailed link: see, change, download, erase (PRIV-04, 06, 07)."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlsplit

from campaign.extensions import db
from campaign.supporters.models import ConsentRecord, Supporter
from campaign.tokens import make_token
from tests.conftest import hidden_inputs


def manage_path(smtp, address):
    [mail] = [
        m for m in smtp.to(address) if m.message["Subject"] == "Your link to manage your data"
    ]
    return urlsplit(mail.link("/my-data/")).path


def test_asking_for_a_link_reveals_nothing_and_emails_only_known_people(
    client, make_signature, submit_form, smtp
):
    make_signature("known@example.org")
    smtp.reset()
    known = submit_form("/my-data", {"email": "Known@Example.org"})
    unknown = submit_form("/my-data", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    links = [m for m in smtp.messages if m.message["Subject"] == "Your link to manage your data"]
    assert [m.rcpt_tos for m in links] == [["known@example.org"]]
    assert smtp.to("stranger@example.org") == []
    path = manage_path(smtp, "known@example.org")
    assert "known@example.org" in client.get(path).get_data(as_text=True)


def test_every_pledge_email_carries_the_manage_link(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    submit_form(f"/pledges/{pledge.slug}", sign_data)
    [mail] = smtp.messages
    path = urlsplit(mail.link("/my-data/")).path
    page = client.get(path)
    assert page.status_code == 200
    assert "asha@example.org" in page.get_data(as_text=True)


def test_changing_choices_records_consent_and_changes_what_is_public(
    client, make_pledge, make_signature, submit_form, smtp
):
    pledge = make_pledge()
    signature = make_signature(
        "asha@example.org", pledge=pledge, name="Asha Patel", display="full", wants_updates=True
    )
    path = f"/my-data/{make_token('manage', signature.supporter_id)}"
    assert "Asha Patel" in client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)

    response = submit_form(
        path, {f"display_{signature.id}": "none", "alert_sectors": ["1"], "frequency": "weekly"}
    )  # campaign updates unticked
    assert response.status_code == 303
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    # It says what is on and off now, not merely what changed (which read as "subscribed").
    notice = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", saved.split('role="status"')[1]))
    assert "Your choices are saved." in notice
    assert "Campaign updates: off" in notice
    assert "Agreement alerts: on, a weekly summary, for Health" in notice
    assert f"Shown publicly for “{pledge.title}”: nothing (counted anonymously)" in notice
    assert "Set-Cookie" not in response.headers

    again = submit_form(
        path, {f"display_{signature.id}": "none", "alert_sectors": ["1"], "frequency": "weekly"}
    )
    assert "Nothing needed changing." in client.get(again.headers["Location"]).get_data(
        as_text=True
    )

    db.session.expire_all()
    supporter = db.session.get(Supporter, signature.supporter_id)
    assert supporter.wants_updates is False
    assert [(s.sector_id, s.frequency) for s in supporter.alert_subscriptions] == [(1, "weekly")]
    assert "Asha Patel" not in client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    history = [
        (r.purpose, r.granted, r.channel)
        for r in db.session.scalars(db.select(ConsentRecord).order_by(ConsentRecord.id))
    ]
    assert ("updates", False, "manage page") in history
    assert ("alerts:health", True, "manage page") in history


def test_export_holds_everything_including_consent_history(client, make_signature):
    signature = make_signature(
        "asha@example.org", name='=HYPERLINK("x")', role="-1+1", wants_updates=True
    )
    token = make_token("manage", signature.supporter_id)
    response = client.get(f"/my-data/{token}/frontline-data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["email"] == "asha@example.org"
    assert data["signatures"][0]["pledge_slug"] == signature.pledge.slug
    assert data["signatures"][0]["local_authority"] == "Westminster"
    assert {c["purpose"] for c in data["consent_history"]} == {
        f"pledge:{signature.pledge.slug}",
        "updates",
    }

    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/my-data/{token}/frontline-data.csv").get_data(as_text=True))
        )
    )
    assert ["you", "", "email", "asha@example.org"] in rows
    cells = [row[3] for row in rows[1:]]
    assert '\'=HYPERLINK("x")' in cells and "'-1+1" in cells  # neutralised (SEC-16)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_expired_and_forged_manage_links(make_app, make_signature):
    app = make_app(MANAGE_LINK_MAX_AGE=-1)
    with app.app_context():
        signature = make_signature()
        client = app.test_client()
        expired = client.get(f"/my-data/{make_token('manage', signature.supporter_id)}")
        assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
        forged = client.get(f"/my-data/{make_token('confirm', signature.supporter_id)}")
        assert forged.status_code == 404


def test_one_click_unsubscribe(client, make_signature):
    signature = make_signature(wants_updates=True, wants_alerts=True)
    supporter_id = signature.supporter_id
    token = make_token("unsubscribe", [supporter_id, "campaign"])
    # A mail scanner opening the link changes nothing.
    page = client.get(f"/u/{token}")
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert db.session.get(Supporter, supporter_id).wants_updates is True
    # The mail client's one-click POST: no CSRF token, no login, no redirect; idempotent.
    for _ in range(2):
        response = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    db.session.expire_all()
    supporter = db.session.get(Supporter, supporter_id)
    assert supporter.wants_updates is False
    assert len(supporter.alert_subscriptions) == 1  # alerts are a separate stream
    alerts = make_token("unsubscribe", [supporter_id, "alerts"])
    client.post(f"/u/{alerts}")
    db.session.expire_all()
    assert db.session.get(Supporter, supporter_id).alert_subscriptions == []
    assert client.post("/u/forged-token").status_code == 404


def test_simultaneous_link_requests_send_one_link_and_no_error(make_app, make_signature, smtp):
    import threading

    app = make_app()
    with app.app_context():
        make_signature("asha@example.org")
        clients = [app.test_client() for _ in range(4)]
        forms = [hidden_inputs(c.get("/my-data").get_data(as_text=True)) for c in clients]
        barrier = threading.Barrier(len(clients))
        statuses = []

        def ask(client, fields):
            barrier.wait()
            statuses.append(
                client.post("/my-data", data={**fields, "email": "asha@example.org"}).status_code
            )

        threads = [
            threading.Thread(target=ask, args=pair) for pair in zip(clients, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [303] * 4
        links = [
            m for m in smtp.messages if m.message["Subject"] == "Your link to manage your data"
        ]
        assert 1 <= len(links) <= 3  # capped per day; never an error page
