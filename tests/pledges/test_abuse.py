"""BOT-01…04: bots are dropped quietly, bursts are flagged not refused, no enumeration."""

from __future__ import annotations

import time

from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.supporters.models import Supporter
from campaign.tokens import make_token


def rows(model):
    return db.session.scalars(db.select(model)).all()


def test_honeypot_gets_the_normal_page_and_nothing_is_stored(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    response = submit_form(f"/pledges/{pledge.slug}", {**sign_data, "website": "http://spam"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pledges/{pledge.slug}/thanks")
    assert rows(Signature) == [] and rows(Supporter) == []
    assert smtp.messages == []


def test_tampered_or_missing_timestamp_is_dropped(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    for started in ["", "not-a-token", make_token("other-purpose", int(time.time()) - 60)]:
        response = submit_form(url, {**sign_data, "started": started})
        assert response.status_code == 303
    assert rows(Signature) == [] and smtp.messages == []


def test_too_fast_submission_is_dropped(make_app, make_pledge, sign_data, smtp):
    app = make_app(SIGN_FORM_MIN_SECONDS=30)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        from tests.conftest import hidden_inputs

        fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
        response = client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data})
        assert response.status_code == 303
        assert rows(Signature) == [] and smtp.messages == []


def test_expired_timestamp_is_dropped(make_app, make_pledge, sign_data, smtp):
    app = make_app(SIGN_FORM_MAX_SECONDS=-1)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        from tests.conftest import hidden_inputs

        fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
        assert (
            client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data}).status_code == 303
        )
        assert rows(Signature) == []


def test_bursts_from_one_network_are_flagged_not_refused(make_app, make_pledge, sign_data, smtp):
    app = make_app(SIGN_RATE_LIMIT_PER_IP="2 per hour")
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        from tests.conftest import hidden_inputs

        for n in range(4):
            fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
            data = {**fields, **sign_data, "email": f"colleague{n}@example.org"}
            assert client.post(f"/pledges/{pledge.slug}", data=data).status_code == 303
        signatures = db.session.scalars(db.select(Signature).order_by(Signature.id)).all()
        assert [s.flagged for s in signatures] == [False, False, True, True]
        assert signatures[-1].flag_reason == "rate-limit-ip"
        # Everyone still gets their confirmation email …
        assert len(smtp.messages) == 4
        # … but confirming a flagged signature does not count it.
        from urllib.parse import urlsplit

        for n in range(4):
            path = urlsplit(smtp.to(f"colleague{n}@example.org")[0].link("/confirm/")).path
            fields = hidden_inputs(client.get(path).get_data(as_text=True))
            client.post(path, data=fields)
        assert client.get("/api/v1/counts").get_json()["total"] == 2


def test_bursts_from_one_email_domain_are_flagged(make_app, make_pledge, sign_data, smtp):
    app = make_app(SIGN_RATE_LIMIT_PER_DOMAIN="1 per hour")
    with app.app_context():
        pledge = make_pledge()
        from tests.conftest import hidden_inputs

        for n, ip in enumerate(["10.0.0.1", "10.0.0.2"]):
            client = app.test_client()
            env = {"REMOTE_ADDR": ip}
            page = client.get(f"/pledges/{pledge.slug}", environ_base=env)
            fields = hidden_inputs(page.get_data(as_text=True))
            data = {**fields, **sign_data, "email": f"person{n}@council.example"}
            response = client.post(f"/pledges/{pledge.slug}", data=data, environ_base=env)
            assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
        flags = [
            s.flag_reason for s in db.session.scalars(db.select(Signature).order_by(Signature.id))
        ]
        assert flags == ["", "rate-limit-domain"]


def test_signing_twice_shows_the_same_page_and_emails_the_owner(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    first = submit_form(url, sign_data)
    second = submit_form(url, {**sign_data, "name": "Someone Else"})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(rows(Signature)) == 1
    subjects = [m.message["Subject"] for m in smtp.to("asha@example.org")]
    assert subjects == ["Confirm your pledge", "You have already signed this pledge"]
    # The name typed the second time is not used anywhere.
    assert "Someone Else" not in smtp.messages[1].text
    assert rows(Signature)[0].name == "Asha Patel"


def test_already_signed_emails_are_capped(make_app, make_pledge, sign_data, smtp):
    app = make_app(ALREADY_SIGNED_MAX_EMAILS=2)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        from tests.conftest import hidden_inputs

        for _ in range(5):
            fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
            assert (
                client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data}).status_code
                == 303
            )
        assert len(smtp.to("asha@example.org")) == 1 + 2


def test_address_variants_are_one_person(client, make_pledge, submit_form, sign_data, smtp):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    for address in [
        "Asha.Patel@gmail.com",
        "ashapatel+pledge@googlemail.com",
        "ASHAPATEL@GMAIL.COM",
    ]:
        submit_form(url, {**sign_data, "email": address})
    assert len(rows(Supporter)) == 1
    assert len(rows(Signature)) == 1
