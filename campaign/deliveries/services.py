from __future__ import annotations

from sqlalchemy import func

from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.extensions import db


def queue_delivery(
    *, kind: str, source_id: int, supporter_id: int | None, seq: int = 0
) -> Delivery:
    """Add a queued delivery to the current transaction (the caller commits, then wakes a
    worker). The unique constraint turns a duplicate into an IntegrityError at flush."""
    delivery = Delivery(
        kind=kind,
        stream=KINDS[kind].stream,
        source_id=source_id,
        supporter_id=supporter_id,
        seq=seq,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def deliveries_count(*, kind: str, source_id: int) -> int:
    return (
        db.session.scalar(
            db.select(func.count())
            .select_from(Delivery)
            .where(Delivery.kind == kind, Delivery.source_id == source_id)
        )
        or 0
    )
