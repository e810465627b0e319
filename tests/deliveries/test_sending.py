"""Sending queued deliveries: retries, failures, bounces, crashed workers, dev outbox."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from campaign.deliveries.models import Delivery
from campaign.deliveries.sending import claim_batch, send_due
from campaign.deliveries.tasks import send_deliveries, sweep_deliveries
from campaign.extensions import db
from campaign.jobs import huey
from campaign.pledges.models import Signature
from campaign.supporters.models import Suppression
from campaign.timeutil import utcnow
from tests.conftest import free_port, hidden_inputs


def deliveries():
    db.session.expire_all()
    return db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()


def sign(app, pledge, data):
    client = app.test_client()
    fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
    return client.post(f"/pledges/{pledge.slug}", data={**fields, **data})


def test_signups_keep_working_while_the_relay_is_down_and_mail_flows_after(
    make_app, make_pledge, sign_data, smtp, smtp_server
):
    app = make_app(MAIL_PORT=free_port())  # nothing listens there
    with app.app_context():
        pledge = make_pledge()
        assert sign(app, pledge, sign_data).status_code == 303
        [delivery] = deliveries()
        assert delivery.status == "queued" and delivery.attempts == 1
        assert "Connection refused" in delivery.last_error or "Errno" in delivery.last_error
        assert delivery.next_attempt_at > utcnow()

        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    # The relay comes back (a worker configured for it, same database); the sweep sends.
    with make_app(MAIL_PORT=smtp_server[1]).app_context():
        report = send_due()
        assert report.sent == 1
        assert [d.status for d in deliveries()] == ["sent"]
        assert len(smtp.to("asha@example.org")) == 1


def test_after_the_maximum_attempts_a_delivery_is_failed_and_visible(
    make_app, make_pledge, sign_data
):
    app = make_app(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        pledge = make_pledge()
        sign(app, pledge, sign_data)
        for delivery in deliveries():
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        send_due()
        [delivery] = deliveries()
        assert delivery.status == "failed" and delivery.attempts == 2
        assert delivery.last_error


def test_refused_recipient_is_bounced_and_suppressed(app, make_pledge, sign_data, smtp):
    smtp.refuse["asha@example.org"] = (550, "5.1.1 No such user")
    pledge = make_pledge()
    sign(app, pledge, sign_data)
    [delivery] = deliveries()
    assert delivery.status == "bounced"
    assert "No such user" in delivery.last_error
    assert db.session.scalars(db.select(Suppression)).one().reason == "bounced"
    # Later mail to the address is skipped at send time, not attempted.
    for signature in db.session.scalars(db.select(Signature)):  # signed a while ago
        signature.created_at -= timedelta(minutes=5)
    db.session.commit()
    sign(app, pledge, sign_data)
    assert [d.status for d in deliveries()] == ["bounced", "skipped"]
    assert smtp.messages == []


def test_a_crashed_workers_claims_go_back_to_the_queue_when_its_lease_lapses(
    app, make_signature, smtp
):
    signature = make_signature(confirmed=False)
    [delivery] = deliveries()
    smtp.reset()
    # Simulate a worker that claimed the row moments ago and is still working on it.
    delivery.status, delivery.claim_token = "sending", "another-worker"
    delivery.claimed_at = utcnow() - timedelta(seconds=20)
    db.session.commit()
    assert send_due().sent == 0  # a live claim is not someone else's to send
    # It stopped renewing its 30-second lease: the worker died, and the row is free.
    delivery.claimed_at = utcnow() - timedelta(seconds=31)
    db.session.commit()
    assert send_due().sent == 1
    assert len(smtp.to(signature.supporter.email)) == 1
    assert [d.status for d in deliveries()] == ["sent"]


def test_a_worker_claims_one_batch_not_the_whole_queue(make_app, make_signature):
    # PostgreSQL once ran the claiming subquery again for every row it updated and so
    # handed one worker all 12 rows: all of them stuck if that worker died.
    with make_app(MAIL_BATCH_SIZE=5).app_context():
        for n in range(12):
            make_signature(f"s{n}@example.org", confirmed=False)
        first, second = claim_batch(5), claim_batch(5)
        assert (len(first.ids), len(second.ids)) == (5, 5)
        assert not set(first.ids) & set(second.ids)
        assert Counter(d.status for d in deliveries()) == {"sending": 10, "queued": 2}


def test_the_sweep_comes_back_when_a_claim_lapses(app, make_signature, smtp):
    make_signature(confirmed=False)
    [delivery] = deliveries()
    delivery.status, delivery.claim_token = "sending", "a-worker-that-died"
    delivery.claimed_at = utcnow() - timedelta(seconds=20)
    db.session.commit()
    huey.flush()
    sweep_deliveries.call_local()
    # Not the next sweep a minute from now: a send when the lease lapses, in 10 s.
    [scheduled] = huey.scheduled()
    assert scheduled.name == send_deliveries.name
    assert 9 <= (scheduled.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds() <= 12
    assert smtp.messages == []


def test_every_message_meets_the_email_rules(app, make_pledge, sign_data, smtp):
    pledge = make_pledge()
    sign(app, pledge, {**sign_data, "name": "Zoë Ćwik"})
    [mail] = smtp.messages
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["To"].addresses[0].addr_spec == "asha@example.org"
    assert len(message["To"].addresses) == 1 and mail.rcpt_tos == ["asha@example.org"]
    assert message["Date"] and message["Message-ID"].endswith("@localhost>")
    assert "Zoë Ćwik" in str(message["To"])
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    assert "<img" not in mail.html and "http" not in mail.html.split("<body")[0]
    # The envelope sender identifies the delivery by an opaque token, not the address.
    assert mail.mail_from.startswith("bounces+") and "asha" not in mail.mail_from


def test_without_a_mail_server_messages_go_to_the_development_outbox(
    make_app, make_pledge, sign_data, tmp_path
):
    app = make_app(MAIL_SERVER="", OUTBOX_DIR=str(tmp_path / "outbox"))
    with app.app_context():
        pledge = make_pledge()
        sign(app, pledge, sign_data)
        [eml] = list((tmp_path / "outbox").glob("*.eml"))
        client = app.test_client()
        listing = client.get("/dev/outbox/").get_data(as_text=True)
        assert "Confirm your pledge" in listing and "asha@example.org" in listing
        message_page = client.get(f"/dev/outbox/{eml.name}")
        assert message_page.status_code == 200
        assert "/confirm/" in message_page.get_data(as_text=True)
        html = client.get(f"/dev/outbox/{eml.name}/html")
        assert "Confirm my signature" in html.get_data(as_text=True)
        assert "sandbox" in html.headers["Content-Security-Policy"]
        assert client.get("/dev/outbox/..%2Fsecret.eml").status_code == 404


def test_a_message_that_cannot_be_built_fails_alone(
    app, make_pledge, make_signature, smtp, monkeypatch
):
    from campaign.deliveries.kinds import KINDS, Kind

    first = make_signature("first@example.org", confirmed=False)
    make_signature("second@example.org", confirmed=False)
    original = KINDS["confirm_signature"]

    def render(delivery):
        if delivery.source_id == first.id:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "no")
        return original.render(delivery)

    monkeypatch.setitem(
        KINDS, "confirm_signature", Kind("confirm_signature", "transactional", render)
    )
    report = send_due()
    assert (report.sent, report.failed) == (1, 1)
    statuses = {d.source_id: (d.status, d.last_error) for d in deliveries()}
    assert statuses[first.id][0] == "failed"
    assert "could not build" in statuses[first.id][1]
    assert [m.rcpt_tos for m in smtp.messages] == [["second@example.org"]]


def test_every_kind_of_mail_goes_out_with_an_opaque_bounce_token(
    client, make_signature, submit_form, smtp
):
    make_signature("asha@example.org")
    submit_form("/my-data", {"email": "asha@example.org"})
    assert {m.message["Subject"] for m in smtp.messages} >= {"Your link to manage your data"}
    for mail in smtp.messages:
        assert mail.mail_from.startswith("bounces+") and "asha" not in mail.mail_from
