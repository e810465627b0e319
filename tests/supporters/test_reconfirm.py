"""PRIV-08: supporters silent for long are asked whether to stay, and erased if they
never answer."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from campaign.deliveries.models import Delivery
from campaign.deliveries.sending import send_due
from campaign.extensions import db
from campaign.mydata.tasks import reconfirm_inactive_supporters
from campaign.supporters.models import Supporter
from campaign.timeutil import utcnow
from tests.conftest import hidden_inputs


def test_inactive_supporters_are_asked_then_erased_unless_they_stay(
    app, client, make_signature, smtp
):
    stays = make_signature("stays@example.org")
    goes = make_signature("goes@example.org")
    fresh = make_signature("fresh@example.org")
    long_ago = utcnow() - timedelta(days=30 * 25)
    for signature in (stays, goes):
        signature.supporter.last_active_at = long_ago
    db.session.commit()
    ids = {"stays": stays.supporter_id, "goes": goes.supporter_id, "fresh": fresh.supporter_id}
    smtp.reset()

    reconfirm_inactive_supporters.call_local()
    send_due()
    asked = {
        m.rcpt_tos[0]
        for m in smtp.messages
        if m.message["Subject"] == "Do you want to stay on the Frontline list?"
    }
    assert asked == {"stays@example.org", "goes@example.org"}

    # One of them presses "Keep me on the list".
    [mail] = [m for m in smtp.to("stays@example.org") if "stay" in m.message["Subject"]]
    path = urlsplit(mail.link("/my-data/stay/")).path
    page = client.get(path)
    assert "Keep me on the list" in page.get_data(as_text=True)
    kept = client.post(path, data=hidden_inputs(page.get_data(as_text=True)))
    assert "you are staying" in kept.get_data(as_text=True)

    # The grace period passes: the silent one is erased, the others stay.
    db.session.execute(
        sa.update(Supporter)
        .where(Supporter.reconfirm_requested_at.is_not(None))
        .values(reconfirm_requested_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    reconfirm_inactive_supporters.call_local()
    db.session.expire_all()
    assert db.session.get(Supporter, ids["goes"]) is None
    assert db.session.get(Supporter, ids["stays"]) is not None
    assert db.session.get(Supporter, ids["fresh"]) is not None
    assert client.get("/api/v1/counts").get_json()["total"] == 3  # counts are untouched
    # Both questions were sent, and both still count as sent: one of them anonymously.
    asked_rows = db.session.scalars(db.select(Delivery).filter_by(kind="reconfirm")).all()
    assert sorted((d.status, d.supporter_id or 0) for d in asked_rows) == [
        ("sent", 0),
        ("sent", ids["stays"]),
    ]
    assert "goes@example.org" not in {s.email for s in db.session.scalars(db.select(Supporter))}
