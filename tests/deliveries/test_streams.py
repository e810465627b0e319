"""What each stream carries (EMAIL.md), whichever kind of message it is: a kind names its
stream and gets the headers and the footer. No alert or campaign kind exists yet, so
these tests register their own, as the agreements and mailings features will."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from flask import Blueprint

from campaign.deliveries.kinds import KINDS, Kind, register_kind
from campaign.deliveries.models import Delivery
from campaign.deliveries.sending import send_due
from campaign.deliveries.services import queue_delivery
from campaign.email import Draft
from campaign.extensions import db
from campaign.links import site_url
from campaign.supporters.models import ConsentRecord, Supporter

SITE = "https://frontline.test"
STREAM_SETTINGS = {
    "SITE_URL": SITE,
    "ORG_NAME": "Frontline",
    "ORG_POSTAL_ADDRESS": "PO Box 12, London N1 9XX",
    "ORG_CONTACT_EMAIL": "privacy@frontline.test",
    "MAIL_ALERTS_SENDER": "Frontline alerts <alerts@frontline.test>",
    "MAIL_CAMPAIGN_SENDER": "Frontline news <news@frontline.test>",
}


@pytest.fixture
def app(make_app):
    app = make_app(**STREAM_SETTINGS)
    # The test kinds' templates, in tests/deliveries/templates/tests/email/.
    app.register_blueprint(Blueprint("stream_tests", __name__, template_folder="templates"))
    with app.app_context():
        yield app


def render_news(delivery: Delivery) -> Draft:
    supporter = db.session.get(Supporter, delivery.supporter_id)
    return Draft(
        "tests/email/news",
        to=supporter.email,
        to_name=supporter.name,
        subject="News from the campaign",
        view_url=site_url("pledges.home"),
        name=supporter.name,
        news="A long line of news. " * 300,  # 6,300 characters on one line
    )


@pytest.fixture
def kinds(monkeypatch):
    """A campaign kind and an alerts kind, registered for this test only."""
    for stream in ("campaign", "alerts"):
        monkeypatch.setitem(KINDS, f"test_{stream}", Kind(f"test_{stream}", stream, render_news))


@pytest.fixture
def make_supporter(make_signature, smtp):
    """A confirmed supporter, their confirmation email already sent and forgotten."""

    def make(**choices):
        supporter = make_signature("asha@example.org", name="Asha Patel", **choices).supporter
        send_due()
        smtp.reset()
        return supporter

    return make


def send(kind, supporter_id):
    earlier = db.session.scalars(db.select(Delivery).filter_by(kind=kind)).all()
    queue_delivery(kind=kind, source_id=1, supporter_id=supporter_id, seq=len(earlier))
    db.session.commit()
    report = send_due()
    db.session.expire_all()
    return report


HEADERS = {
    "campaign": {
        "From": "Frontline news <news@frontline.test>",
        "List-Id": "Frontline campaign <campaign.frontline.test>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
        "Auto-Submitted": None,
    },
    "alerts": {
        "From": "Frontline alerts <alerts@frontline.test>",
        "List-Id": "Frontline alerts <alerts.frontline.test>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": None,
        "Auto-Submitted": "auto-generated",
    },
}


@pytest.mark.parametrize("stream", ["campaign", "alerts"])
def test_list_mail_carries_exactly_what_email_md_asks(stream, app, kinds, make_supporter, smtp):
    supporter = make_supporter(wants_updates=True, wants_alerts=True)
    assert send(f"test_{stream}", supporter.id).sent == 1
    [mail] = smtp.to("asha@example.org")
    message = mail.message
    assert {name: message[name] for name in HEADERS[stream]} == HEADERS[stream]
    # https first, then mailto (RFC 2369, RFC 8058), both naming the same signed link.
    https, mailto = re.fullmatch(r"<([^>]+)>, <([^>]+)>", message["List-Unsubscribe"]).groups()
    assert https.startswith(f"{SITE}/u/")
    body = quote(https, safe="")
    assert mailto == f"mailto:privacy@frontline.test?subject=Unsubscribe&body={body}"
    assert b"=?" not in mail.data.split(b"\r\n\r\n")[0]  # headers as plain ASCII, not encoded
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998

    # The footer, in both parts: why, preferences, unsubscribe, view online, who we are.
    what = {"campaign": "campaign updates", "alerts": "agreement alerts"}[stream]
    manage = mail.link("/my-data/")
    for part in (mail.text, mail.html):
        assert f"because you asked Frontline for {what}" in part
        assert https in part and manage in part
        assert f"{SITE}/" in part and "View this email in your browser" in part
        assert "Frontline, PO Box 12, London N1 9XX" in part
    assert "Manage your preferences" in mail.html
    assert f"Unsubscribe from {what}" in mail.html


def test_one_click_unsubscribe_from_the_header_stops_that_stream(app, kinds, make_supporter, smtp):
    supporter = make_supporter(wants_updates=True, wants_alerts=True)
    send("test_campaign", supporter.id)
    [mail] = smtp.messages
    https = re.match(r"<([^>]+)>", mail.message["List-Unsubscribe"]).group(1)
    # What Gmail and Yahoo send: a POST from their servers with this body, no cookie.
    client = app.test_client()
    for _ in range(2):  # idempotent
        response = client.post(
            urlsplit(https).path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    db.session.expire_all()
    supporter = db.session.get(Supporter, supporter.id)
    assert supporter.wants_updates is False
    assert len(supporter.alert_subscriptions) == 1  # alerts are another stream
    withdrawn = db.session.scalars(db.select(ConsentRecord).filter_by(granted=False)).all()
    assert [(r.purpose, r.channel) for r in withdrawn] == [("updates", "unsubscribe link")]

    # Checked again at send time: a message queued before they unsubscribed stays unsent.
    smtp.reset()
    assert send("test_campaign", supporter.id).skipped == 1
    assert smtp.messages == []
    assert send("test_alerts", supporter.id).sent == 1


def test_unsubscribing_from_alerts_keeps_campaign_updates(app, kinds, make_supporter, smtp):
    supporter = make_supporter(wants_updates=True, wants_alerts=True)
    send("test_alerts", supporter.id)
    [mail] = smtp.messages
    https = re.match(r"<([^>]+)>", mail.message["List-Unsubscribe"]).group(1)
    page = app.test_client().get(urlsplit(https).path)  # a mail scanner: nothing changes
    assert "Stop agreement alerts?" in page.get_data(as_text=True)
    app.test_client().post(urlsplit(https).path)
    db.session.expire_all()
    supporter = db.session.get(Supporter, supporter.id)
    assert supporter.alert_subscriptions == [] and supporter.wants_updates is True


def test_transactional_mail_has_no_unsubscribe_header(app, make_signature, smtp):
    make_signature("asha@example.org", confirmed=False)
    send_due()
    [mail] = smtp.messages
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["List-Id"] == "Frontline transactional <transactional.frontline.test>"
    assert mail.message["List-Unsubscribe"] is None and mail.message["Precedence"] is None
    assert "Unsubscribe" not in mail.text


def test_list_mail_is_not_sent_without_its_footer_or_its_recipient(
    app, make_supporter, smtp, monkeypatch
):
    supporter = make_supporter(wants_updates=True)

    def forgetful(delivery: Delivery) -> Draft:
        return Draft("tests/email/no_footer", to="asha@example.org", subject="Hi", name="Asha")

    monkeypatch.setitem(KINDS, "forgetful", Kind("forgetful", "campaign", forgetful))
    report = send("forgetful", supporter.id)
    assert (report.sent, report.failed) == (0, 1)
    [delivery] = db.session.scalars(db.select(Delivery).filter_by(kind="forgetful")).all()
    assert "could not build" in delivery.last_error

    # To no supporter: only a supporter can unsubscribe, so nothing goes.
    monkeypatch.setitem(KINDS, "test_campaign", Kind("test_campaign", "campaign", render_news))
    assert send("test_campaign", None).skipped == 1
    assert smtp.messages == []


def test_a_kind_names_one_of_the_three_streams():
    with pytest.raises(ValueError, match="no stream 'newsletter'"):
        register_kind("weekly", stream="newsletter", render=render_news)
    assert "weekly" not in KINDS
