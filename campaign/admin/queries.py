"""Named reads for the admin area: aggregates for the dashboard and the signature list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func

from campaign.deliveries.models import Delivery
from campaign.extensions import db
from campaign.pledges.models import Pledge, Signature
from campaign.pledges.queries import pledge_counts
from campaign.timeutil import utcnow

STATUSES = {
    "": "Any status",
    "unconfirmed": "Unconfirmed",
    "confirmed": "Confirmed and counted",
    "flagged": "Flagged, waiting for review",
}


def _count(query: Select[Any]) -> int:
    return int(db.session.scalar(query) or 0)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def dashboard() -> dict[str, Any]:
    """Totals only: no names, no addresses."""
    today = _start_of_day(utcnow().date())
    monday = today - timedelta(days=today.weekday())
    signatures = db.select(func.count()).select_from(Signature)
    counted = pledge_counts()
    pledges = list(
        db.session.scalars(db.select(Pledge).order_by(Pledge.sector_id, Pledge.position))
    )
    return {
        "total": sum(counted.values()),
        "confirmed_today": _count(signatures.where(Signature.confirmed_at >= today)),
        "confirmed_week": _count(signatures.where(Signature.confirmed_at >= monday)),
        "unconfirmed": _count(
            signatures.where(Signature.confirmed_at.is_(None), Signature.flagged.is_(False))
        ),
        "flagged": _count(signatures.where(Signature.flagged.is_(True))),
        "failed": _count(
            db.select(func.count()).select_from(Delivery).where(Delivery.status == "failed")
        ),
        "bounced": _count(
            db.select(func.count()).select_from(Delivery).where(Delivery.status == "bounced")
        ),
        "pledges": [(pledge, counted.get(pledge.id, 0)) for pledge in pledges],
    }


@dataclass(frozen=True)
class SignatureFilter:
    pledge_id: int | None = None
    sector_id: int | None = None
    area_code: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""

    def as_detail(self) -> dict[str, Any]:
        """For the audit log: which slice of the data was looked at."""
        return {key: value for key, value in self.__dict__.items() if value not in (None, "")}


def signatures_matching(spec: SignatureFilter) -> Select[tuple[Signature]]:
    query = db.select(Signature)
    if spec.pledge_id:
        query = query.where(Signature.pledge_id == spec.pledge_id)
    if spec.sector_id:
        query = query.where(
            Signature.pledge_id.in_(db.select(Pledge.id).where(Pledge.sector_id == spec.sector_id))
        )
    if spec.area_code:
        query = query.where(Signature.area_code == spec.area_code)
    if spec.date_from:
        query = query.where(Signature.created_at >= _start_of_day(spec.date_from))
    if spec.date_to:
        query = query.where(Signature.created_at < _start_of_day(spec.date_to + timedelta(days=1)))
    if spec.status == "flagged":
        query = query.where(Signature.flagged.is_(True))
    elif spec.status == "confirmed":
        query = query.where(Signature.confirmed_at.is_not(None), Signature.flagged.is_(False))
    elif spec.status == "unconfirmed":
        query = query.where(Signature.confirmed_at.is_(None), Signature.flagged.is_(False))
    return query


def count_matching(spec: SignatureFilter) -> int:
    return _count(db.select(func.count()).select_from(signatures_matching(spec).subquery()))


def page_of_signatures(spec: SignatureFilter, *, page: int, per_page: int) -> list[Signature]:
    query = signatures_matching(spec).order_by(Signature.created_at.desc(), Signature.id.desc())
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))


def areas_with_signatures() -> list[str]:
    return list(db.session.scalars(db.select(Signature.area_code).distinct()))
