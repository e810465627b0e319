"""Named reads for the admin area: aggregates for the dashboard and the signature list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import selectinload

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


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """From the start of the first day to the start of the day after the last, as a filter
    of days means. The last date there is (9999-12-31) has no day after it: no end."""
    since = start_of_day(first) if first else None
    before = start_of_day(last + timedelta(days=1)) if last and last < date.max else None
    return since, before


def dashboard() -> dict[str, Any]:
    """Totals only: no names, no addresses."""
    today = start_of_day(utcnow().date())
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


def signatures_matching(spec: SignatureFilter) -> Select[Signature]:
    query = db.select(Signature)
    if spec.pledge_id:
        query = query.where(Signature.pledge_id == spec.pledge_id)
    if spec.sector_id:
        query = query.where(
            Signature.pledge_id.in_(db.select(Pledge.id).where(Pledge.sector_id == spec.sector_id))
        )
    if spec.area_code:
        query = query.where(Signature.area_code == spec.area_code)
    since, before = day_bounds(spec.date_from, spec.date_to)
    if since:
        query = query.where(Signature.created_at >= since)
    if before:
        query = query.where(Signature.created_at < before)
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
    """One page of the list, with each row's pledge and supporter (for a flagged row's
    email domain) loaded in one query each, not one per row."""
    query = (
        signatures_matching(spec)
        .options(selectinload(Signature.pledge), selectinload(Signature.supporter))
        .order_by(Signature.created_at.desc(), Signature.id.desc())
    )
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))


def ids_matching(spec: SignatureFilter) -> Select[int]:
    """The ids of the signatures the list shows for this filter, for a review."""
    return signatures_matching(spec).with_only_columns(Signature.id)


def ids_among(chosen: list[int]) -> Select[int]:
    """The ids of the chosen signatures that exist, for a review."""
    return db.select(Signature.id).where(Signature.id.in_(chosen))


def areas_with_signatures() -> list[str]:
    return list(db.session.scalars(db.select(Signature.area_code).distinct()))
