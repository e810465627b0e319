"""Named reads of supporters: who may be sent campaign email.

Every campaign audience starts from one query, `consenting_signatures`: confirmed
supporters who want campaign email and have not unsubscribed, with their counted
signatures, narrowed by an `Audience`. The CSV export uses it today and a mailing's
recipients will tomorrow, so both obey the same consent rules; a new way of choosing
people (nation, area, dates …) is a field of Audience and one more `where` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func

from campaign.extensions import db
from campaign.pledges.models import Pledge, Signature
from campaign.supporters.models import Supporter, Suppression


@dataclass(frozen=True)
class Audience:
    """Which consenting supporters: those who signed this pledge, or a pledge of this
    sector. An empty value leaves that part out; all empty is everyone who consented."""

    pledge_id: int | None = None
    sector_id: int | None = None

    def as_detail(self) -> dict[str, Any]:
        """For the audit log: which slice of the supporters was taken."""
        return {key: value for key, value in self.__dict__.items() if value}


def consenting_signatures(audience: Audience) -> Select[Any]:
    """(Supporter, Signature, pledge slug): one row for each counted signature in the
    audience of each supporter who may be sent campaign email."""
    query = (
        db.select(Supporter, Signature, Pledge.slug)
        .join(Signature, Signature.supporter_id == Supporter.id)
        .join(Pledge, Pledge.id == Signature.pledge_id)
        .where(
            Supporter.confirmed_at.is_not(None),
            Supporter.wants_updates.is_(True),
            Supporter.email_hash.not_in(db.select(Suppression.email_hash)),
            Signature.confirmed_at.is_not(None),
            Signature.flagged.is_(False),
        )
    )
    if audience.pledge_id:
        query = query.where(Signature.pledge_id == audience.pledge_id)
    if audience.sector_id:
        query = query.where(Pledge.sector_id == audience.sector_id)
    return query


def consenting_supporter_ids(audience: Audience) -> Select[Any]:
    """The audience's supporters, each once: to count them, or to write one delivery each."""
    return consenting_signatures(audience).with_only_columns(Supporter.id).distinct()


def count_consenting(audience: Audience) -> int:
    ids = consenting_supporter_ids(audience).subquery()
    return int(db.session.scalar(db.select(func.count()).select_from(ids)) or 0)
