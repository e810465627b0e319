"""PRIV-07: erasing yourself leaves only a suppression hash and anonymous counts."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.deliveries.models import Delivery
from campaign.deliveries.sending import send_due
from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.supporters.models import AlertSubscription, Suppression
from campaign.tokens import make_token
from tests.conftest import hidden_inputs


def database_dump() -> str:
    return "\n".join(
        " ".join(map(str, row))
        for table in db.metadata.sorted_tables
        for row in db.session.execute(sa.select(table))
    )


def test_erasure_leaves_only_a_hash_and_anonymous_counts(
    client, make_pledge, make_signature, submit_form, smtp
):
    pledge = make_pledge()
    other = make_pledge("schools", title="Schools pledge", statement="I will not.")
    signature = make_signature(
        "asha.patel@example.org",
        pledge=pledge,
        name="Asha Zephyrine",
        role="Receptionist",
        display="full",
        wants_alerts=True,
    )
    make_signature("asha.patel@example.org", pledge=other, confirmed=False, name="Asha Zephyrine")
    make_signature("colleague@example.org", pledge=pledge)
    send_due()  # the three confirmation emails
    # A manage link the relay turns away for now: its row waits for a retry, and the
    # relay's answer, which names the address, is kept as its last error.
    smtp.refuse["asha.patel@example.org"] = (451, "4.2.0 Mailbox busy")
    submit_form("/my-data", {"email": "asha.patel@example.org"})
    waiting = db.session.scalars(db.select(Delivery).filter_by(kind="manage_link")).one()
    assert waiting.status == "queued" and "asha.patel@example.org" in waiting.last_error
    smtp.reset()
    token = make_token("manage", signature.supporter_id)
    assert client.get("/api/v1/counts").get_json()["total"] == 2

    page = client.get(f"/my-data/{token}/erase")
    assert "Erase your data?" in page.get_data(as_text=True)
    response = client.post(
        f"/my-data/{token}/erase", data=hidden_inputs(page.get_data(as_text=True))
    )
    assert "Your data is erased" in response.get_data(as_text=True)

    # The address and the name appear nowhere in the database.
    db.session.expire_all()
    dump = database_dump()
    assert "asha.patel" not in dump.lower() and "Zephyrine" not in dump
    assert "Receptionist" not in dump
    assert db.session.scalars(db.select(Suppression)).one().reason == "erased"
    assert db.session.scalars(db.select(AlertSubscription)).all() == []
    # The confirmed signature still counts, anonymously; the unconfirmed one is gone.
    assert client.get("/api/v1/counts").get_json()["total"] == 2
    anonymous = db.session.scalars(db.select(Signature).filter_by(supporter_id=None)).all()
    assert [(s.pledge_id, s.name, s.display) for s in anonymous] == [(pledge.id, "", "none")]
    # What was sent to them stays countable, with no recipient; what was not yet sent
    # never will be.
    theirs = db.session.scalars(
        db.select(Delivery).filter_by(supporter_id=None).order_by(Delivery.id)
    ).all()
    assert [(d.kind, d.status, d.sent_at is not None, d.last_error) for d in theirs] == [
        ("confirm_signature", "sent", True, ""),
        ("confirm_signature", "sent", True, ""),
        ("manage_link", "skipped", False, ""),
    ]
    assert send_due().sent == 0
    assert smtp.to("asha.patel@example.org") == []
    # The colleague's mail is theirs still.
    assert db.session.scalars(db.select(Delivery).where(Delivery.supporter_id.is_not(None))).all()
    # The link is dead now, with a clear page.
    gone = client.get(f"/my-data/{token}")
    assert gone.status_code == 404 and "nothing held" in gone.get_data(as_text=True)
