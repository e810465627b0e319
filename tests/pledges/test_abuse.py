"""BOT-01…04: bots are dropped quietly, bursts are flagged not refused, no enumeration."""

from __future__ import annotations

import time
from datetime import timedelta

from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.supporters.models import Supporter
from campaign.tokens import make_token
from tests.conftest import hidden_inputs


def rows(model):
    return db.session.scalars(db.select(model)).all()


def as_if_signed_minutes_ago(minutes: int = 2) -> None:
    """Move every signature back in time: a repeat within a minute is a double click."""
    for signature in rows(Signature):
        signature.created_at -= timedelta(minutes=minutes)
    db.session.commit()


def test_honeypot_gets_the_normal_page_and_nothing_is_stored(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    response = submit_form(f"/pledges/{pledge.slug}", {**sign_data, "website": "http://spam"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pledges/{pledge.slug}/thanks")
    assert rows(Signature) == [] and rows(Supporter) == []
    assert smtp.messages == []


def test_a_missing_or_altered_timestamp_asks_one_more_step_and_stores_nothing(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    for started in ["", "not-a-token", make_token("other-purpose", int(time.time()) - 60)]:
        response = submit_form(url, {**sign_data, "started": started})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "One more step" in page and 'value="Asha Patel"' in page
    assert rows(Signature) == [] and smtp.messages == []
    # The step page carries a fresh, genuine timestamp: a person pressing its button signs.
    fields = hidden_inputs(page)
    assert fields["email"] == "asha@example.org" and fields["consent"] == "y"
    assert client.post(url, data=fields).status_code == 303
    assert len(rows(Signature)) == 1 and len(smtp.to("asha@example.org")) == 1


def test_a_form_filled_in_a_second_gets_one_more_step_not_silence(
    make_app, make_pledge, sign_data, smtp, monkeypatch
):
    """Password managers fill the form at once: a person must not be dropped silently."""
    app = make_app(SIGN_FORM_MIN_SECONDS=3)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        url = f"/pledges/{pledge.slug}"
        fields = hidden_inputs(client.get(url).get_data(as_text=True))
        step = client.post(url, data={**fields, **sign_data, "wants_updates": "y"})
        assert step.status_code == 200
        page = step.get_data(as_text=True)
        assert "One more step" in page and "Press the button" in page
        assert rows(Signature) == [] and smtp.messages == []

        step_fields = hidden_inputs(page)
        assert step_fields["started"] == fields["started"]  # the wait counts from the start
        assert step_fields["wants_updates"] == "y" and "wants_alerts" not in step_fields
        later = time.time() + 4
        monkeypatch.setattr(time, "time", lambda: later)
        assert client.post(url, data=step_fields).status_code == 303
        signature = rows(Signature)[0]
        assert signature.wants_updates and not signature.wants_alerts
        assert len(smtp.to("asha@example.org")) == 1


def test_a_form_left_open_too_long_gets_one_more_step(make_app, make_pledge, sign_data, smtp):
    app = make_app(SIGN_FORM_MAX_SECONDS=-1)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        url = f"/pledges/{pledge.slug}"
        fields = hidden_inputs(client.get(url).get_data(as_text=True))
        step = client.post(url, data={**fields, **sign_data})
        assert "One more step" in step.get_data(as_text=True)
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
    as_if_signed_minutes_ago()
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
            as_if_signed_minutes_ago()
        assert len(smtp.to("asha@example.org")) == 1 + 2


def test_a_double_click_sends_no_already_signed_email(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    assert submit_form(url, sign_data).status_code == 303
    assert submit_form(url, sign_data).status_code == 303
    subjects = [m.message["Subject"] for m in smtp.to("asha@example.org")]
    assert subjects == ["Confirm your pledge"]


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
