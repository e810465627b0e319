"""Named reads for the public pages and the API. Counts come from the tallies, so they
cost the same with ten signatures or ten million."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from campaign.extensions import cache, db
from campaign.geo import NATIONS, area_name
from campaign.pledges.models import Pledge, Sector, Signature, Tally
from campaign.timeutil import utcnow


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    count: int | None  # None: fewer than the public threshold (PRIV-10)


def sectors_with_pledges() -> list[Sector]:
    """Sectors with their pledges loaded in one extra query, not one per sector."""
    return list(
        db.session.scalars(
            db.select(Sector)
            .options(selectinload(Sector.pledges))
            .order_by(Sector.position, Sector.name)
        )
    )


def pledge_by_slug(slug: str) -> Pledge | None:
    """With its sector, which every pledge page and sign-up uses."""
    return db.session.scalar(
        db.select(Pledge).filter_by(slug=slug).options(joinedload(Pledge.sector))
    )


def _sum_by(*columns: Any, kind: str, pledge_id: int | None = None) -> list[Any]:
    query = db.select(*columns, func.sum(Tally.count)).where(Tally.kind == kind)
    if pledge_id is not None:
        query = query.where(Tally.pledge_id == pledge_id)
    return list(db.session.execute(query.group_by(*columns)).all())


def pledge_counts() -> dict[int, int]:
    return {pledge_id: int(n) for pledge_id, n in _sum_by(Tally.pledge_id, kind="total")}


def pledge_count(pledge: Pledge) -> int:
    return pledge_counts().get(pledge.id, 0)


def _suppressed(count: int) -> int | None:
    return count if count >= current_app.config["PUBLIC_COUNT_THRESHOLD"] else None


@cache.memoize(timeout=5)
def area_counts() -> list[AreaCount]:
    """Counts by local authority, largest first; small ones hidden (PRIV-10)."""
    rows = _sum_by(Tally.key, kind="area")
    counts = [AreaCount(code, area_name(code), _suppressed(int(n))) for code, n in rows if n]
    return sorted(counts, key=lambda a: (-(a.count or 0), a.name))


def nation_counts() -> list[dict[str, Any]]:
    """Counts by nation; like areas, a nation under the threshold shows no exact figure
    (count None), or its total less its areas' would reveal the hidden ones (PRIV-10)."""
    totals = dict.fromkeys(NATIONS, 0)
    for code, n in _sum_by(Tally.key, kind="area"):
        if code[:1] in totals:
            totals[code[:1]] += int(n)
    return [
        {"code": code, "name": NATIONS[code], "count": _suppressed(totals[code])}
        for code in NATIONS
    ]


@cache.memoize(timeout=5)
def growth(days: int = 90) -> list[tuple[date, int]]:
    """Cumulative confirmed signatures at the end of each of the last `days` days."""
    per_day = {key: int(n) for key, n in _sum_by(Tally.key, kind="day")}
    today = utcnow().date()
    start = today - timedelta(days=days - 1)
    running = sum(n for key, n in per_day.items() if key < start.isoformat())
    points = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        running += per_day.get(day.isoformat(), 0)
        points.append((day, running))
    return points


def last_confirmed_at() -> datetime | None:
    return db.session.scalar(db.select(func.max(Signature.confirmed_at)))


def _content_changed_at() -> datetime:
    """Before anyone has confirmed: when the newest pledge was added (stable for ETags)."""
    value = db.session.scalar(db.select(func.max(Pledge.created_at)))
    return value or datetime(2026, 1, 1, tzinfo=UTC)


def recent_public_names(pledge: Pledge, limit: int = 12) -> list[str]:
    """Names of recent signers who chose to be shown; anonymous signers are left out."""
    rows = db.session.scalars(
        db.select(Signature)
        .where(
            Signature.pledge_id == pledge.id,
            Signature.confirmed_at.is_not(None),
            Signature.flagged.is_(False),
            Signature.display != "none",
        )
        .order_by(Signature.confirmed_at.desc())
        .limit(limit)
    )
    return [name for s in rows if (name := s.public_name)]


@cache.memoize(timeout=5)
def public_counts() -> dict[str, Any]:
    """The figures behind GET /api/v1/counts and the home page, cached for a few seconds."""
    counts = pledge_counts()
    pledges = []
    sectors = []
    for sector in sectors_with_pledges():
        sector_total = 0
        for pledge in sector.pledges:
            count = counts.get(pledge.id, 0)
            sector_total += count
            pledges.append(
                {
                    "slug": pledge.slug,
                    "title": pledge.title,
                    "sector": sector.slug,
                    "count": count,
                    "target": pledge.target,
                }
            )
        sectors.append({"slug": sector.slug, "name": sector.name, "count": sector_total})
    updated = last_confirmed_at() or _content_changed_at()
    return {
        "total": sum(counts.values()),
        "updated_at": updated.isoformat(timespec="seconds"),
        "pledges": pledges,
        "sectors": sectors,
        "nations": nation_counts(),
    }
