"""Asking for the emailed link to the manage-your-data pages. What those pages change
(choices, unsubscribing, erasure) is the supporter's lifecycle: campaign/supporters/services.py."""

from __future__ import annotations

from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.extensions import db, dialect_insert
from campaign.supporters.services import supporter_by_email
from campaign.timeutil import utcnow

MANAGE_LINKS_PER_DAY = 3


def request_manage_link(*, email: str) -> None:
    """Queue a manage-your-data link if the address is known, at most a few a day; the
    caller shows the same page either way, so the form reveals nothing about who has
    signed. Two requests at once write the same row (unique per kind, supporter and
    seq): the later one adds nothing, since one link is enough, and raises nothing."""
    supporter = supporter_by_email(email)
    if supporter is None:
        return
    since = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = list(
        db.session.scalars(
            db.select(Delivery.created_at).where(
                Delivery.kind == "manage_link", Delivery.supporter_id == supporter.id
            )
        )
    )
    if sum(1 for at in earlier if at >= since) >= MANAGE_LINKS_PER_DAY:
        return
    db.session.execute(
        dialect_insert(Delivery)
        .values(
            kind="manage_link",
            stream=KINDS["manage_link"].stream,
            source_id=supporter.id,
            supporter_id=supporter.id,
            seq=len(earlier),
        )
        .on_conflict_do_nothing()
    )
