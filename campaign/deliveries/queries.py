"""Named reads of the deliveries: how the mail is going."""

from __future__ import annotations

from sqlalchemy import func

from campaign.deliveries.models import Delivery
from campaign.extensions import db


def count_in_status(*statuses: str) -> dict[str, int]:
    """How many deliveries are in each of these statuses (each a count on the status
    index, not a pass over every message ever sent)."""
    return {
        status: int(
            db.session.scalar(
                db.select(func.count()).select_from(Delivery).where(Delivery.status == status)
            )
            or 0
        )
        for status in statuses
    }
