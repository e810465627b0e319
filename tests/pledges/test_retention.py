from __future__ import annotations

from datetime import timedelta

from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.pledges.services import purge_unconfirmed
from campaign.pledges.tasks import purge_unconfirmed_signups
from campaign.supporters.models import ConsentRecord, Supporter
from campaign.timeutil import utcnow


def test_unconfirmed_signups_are_deleted_after_seven_days(app, make_pledge, make_signature):
    pledge = make_pledge()
    other = make_pledge("schools", title="Schools", statement="I will not.")
    old = make_signature("old@example.org", pledge=pledge, confirmed=False)
    make_signature("new@example.org", pledge=pledge, confirmed=False)
    kept = make_signature("kept@example.org", pledge=pledge, confirmed=True)
    stale_of_confirmed = make_signature("kept@example.org", pledge=other, confirmed=False)
    eight_days_ago = utcnow() - timedelta(days=8)
    for signature in (old, stale_of_confirmed):
        signature.created_at = eight_days_ago
        signature.supporter.created_at = eight_days_ago
    db.session.commit()
    old_supporter_id, kept_id = old.supporter_id, kept.id

    purge_unconfirmed_signups.call_local()

    db.session.expire_all()
    emails = sorted(s.email for s in db.session.scalars(db.select(Supporter)))
    assert emails == ["kept@example.org", "new@example.org"]
    remaining = sorted(
        (s.supporter.email, s.pledge.slug) for s in db.session.scalars(db.select(Signature))
    )
    assert remaining == [("kept@example.org", pledge.slug), ("new@example.org", pledge.slug)]
    assert kept_id in {s.id for s in db.session.scalars(db.select(Signature))}
    # The consent records of the deleted person went with them.
    owners = {r.supporter_id for r in db.session.scalars(db.select(ConsentRecord))}
    assert old_supporter_id not in owners


def test_purging_an_unconfirmed_signup_removes_the_consent_it_claimed(
    app, make_pledge, make_signature
):
    pledge = make_pledge()
    other = make_pledge("schools", title="Schools", statement="I will.")
    confirmed = make_signature("asha@example.org", pledge=pledge)
    forged = make_signature("asha@example.org", pledge=other, confirmed=False, wants_updates=True)
    forged.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    purge_unconfirmed(older_than=timedelta(days=7))
    db.session.commit()
    purposes = sorted(
        r.purpose
        for r in db.session.scalars(
            db.select(ConsentRecord).filter_by(supporter_id=confirmed.supporter_id)
        )
    )
    assert purposes == [f"pledge:{pledge.slug}"]  # nothing from the unconfirmed form remains
