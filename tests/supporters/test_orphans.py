"""delete_orphans(): people with nothing left that needs them are deleted, and only them."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from campaign.deliveries.models import Delivery
from campaign.deliveries.sending import send_due
from campaign.extensions import db
from campaign.pledges import services as pledges
from campaign.pledges.models import Pledge, Signature
from campaign.supporters.models import ConsentRecord, Supporter, Suppression
from campaign.supporters.services import delete_orphans


def drop_signatures_of(*addresses):
    """As expiry or moderation does: the sign-ups go, the people are left."""
    ids = [s.supporter_id for a in addresses for s in signatures_by(a)]
    db.session.execute(sa.delete(Signature).where(Signature.supporter_id.in_(ids)))
    db.session.commit()


def signatures_by(address):
    return [s for s in db.session.scalars(db.select(Signature)) if s.supporter.email == address]


def emails():
    return sorted(s.email for s in db.session.scalars(db.select(Supporter)))


def test_only_people_left_with_no_signature_are_deleted(make_pledge, make_signature, smtp):
    pledge = make_pledge()
    other = make_pledge("schools", title="Schools", statement="I will not.")
    make_signature("kept@example.org", pledge=pledge)
    make_signature("unconfirmed@example.org", pledge=pledge, confirmed=False)
    make_signature("twice@example.org", pledge=pledge, confirmed=False)
    twice = make_signature("twice@example.org", pledge=other, confirmed=False)
    make_signature("alone@example.org", pledge=pledge, wants_updates=True)
    make_signature("later@example.org", pledge=pledge, confirmed=False)
    drop_signatures_of("alone@example.org", "later@example.org")
    db.session.execute(sa.delete(Signature).where(Signature.id == twice.id))
    db.session.commit()
    later_id = db.session.scalar(db.select(Supporter.id).filter_by(email="later@example.org"))

    # Limited to some people, it looks at no one else.
    assert delete_orphans(among=[later_id, later_id, None]) == 1
    db.session.commit()
    assert "later@example.org" not in emails() and "alone@example.org" in emails()

    assert delete_orphans() == 1
    db.session.commit()
    assert emails() == ["kept@example.org", "twice@example.org", "unconfirmed@example.org"]
    assert delete_orphans() == 0
    # What they consented to went with them; their unsent mail is never sent, and the
    # rows stay only as anonymous counts.
    owners = {r.supporter_id for r in db.session.scalars(db.select(ConsentRecord))}
    assert None not in owners and len(owners) == 3
    anonymous = db.session.scalars(db.select(Delivery).filter_by(supporter_id=None)).all()
    assert [(d.kind, d.status) for d in anonymous] == [("confirm_signature", "skipped")] * 2
    # They did not ask us to stop: they can sign again, and are mailed.
    assert db.session.scalars(db.select(Suppression)).all() == []
    make_signature("alone@example.org", pledge=pledge, confirmed=False)
    send_due()
    assert "Confirm your pledge" in [m.message["Subject"] for m in smtp.to("alone@example.org")]


def test_a_sign_up_in_progress_keeps_its_signer(make_app, make_pledge, make_signature):
    """On PostgreSQL a sign-up for a supporter being deleted would otherwise leave a
    signature with no one to confirm it: deletion passes over whoever is signing."""
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time: the race cannot happen")
        first = make_pledge()
        second_id = make_pledge("schools", title="Schools", statement="I will not.").id
        supporter_id = make_signature(
            "asha@example.org", pledge=first, confirmed=False
        ).supporter_id
        drop_signatures_of("asha@example.org")
        signing, finish = threading.Event(), threading.Event()

        def sign_again():
            with app.app_context():
                pledges.sign(
                    pledge=db.session.get(Pledge, second_id),
                    name="Asha Patel",
                    email="asha@example.org",
                    area_code="E09000033",
                    role="",
                    display="none",
                    wants_updates=False,
                    wants_alerts=False,
                    flag_reason="",
                )
                signing.set()
                finish.wait(10)
                db.session.commit()

        thread = threading.Thread(target=sign_again)
        thread.start()
        try:
            assert signing.wait(10)
            assert delete_orphans(among=[supporter_id]) == 0
            db.session.commit()
        finally:
            finish.set()
            thread.join()
        db.session.expire_all()
        signature = db.session.scalars(db.select(Signature).filter_by(pledge_id=second_id)).one()
        assert signature.supporter_id == supporter_id
        assert emails() == ["asha@example.org"]
