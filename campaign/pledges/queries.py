"""Named reads for the public pages and the API. Counts come from the tallies, so they
cost the same with ten signatures or ten million."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, literal, union_all
from sqlalchemy.orm import joinedload, selectinload

from campaign.extensions import cache, db
from campaign.geo import NATIONS, all_areas, area_name
from campaign.pledges import disclosure
from campaign.pledges.disclosure import Hidden
from campaign.pledges.models import Pledge, PledgeWording, Sector, Signature, Tally
from campaign.timeutil import utcnow


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    count: int | None  # None: hidden (PRIV-10); `hidden` says why, and so how it shows
    hidden: Hidden | None = None


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


def wordings(pledge: Pledge) -> list[PledgeWording]:
    """Every version of what the pledge said, newest first."""
    return list(
        db.session.scalars(
            db.select(PledgeWording)
            .filter_by(pledge_id=pledge.id)
            .order_by(PledgeWording.version.desc())
        )
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


def _tallies() -> tuple[dict[int, int], dict[str, int]]:
    """Signatures per pledge and per area code, read in one statement, so from one
    moment: the figures by place are then suppressed against the very total published
    beside them."""
    per_pledge = (
        db.select(Tally.kind, Tally.pledge_id, literal(""), func.sum(Tally.count))
        .where(Tally.kind == "total")
        .group_by(Tally.kind, Tally.pledge_id)
    )
    per_area = (
        db.select(Tally.kind, literal(0), Tally.key, func.sum(Tally.count))
        .where(Tally.kind == "area")
        .group_by(Tally.kind, Tally.key)
    )
    by_pledge: dict[int, int] = {}
    by_area: dict[str, int] = {}
    for kind, pledge_id, key, n in db.session.execute(union_all(per_pledge, per_area)):
        if kind == "total":
            by_pledge[pledge_id] = int(n)
        elif n:
            by_area[key] = int(n)
    return by_pledge, by_area


def _places(by_area: dict[str, int]) -> disclosure.Disclosure:
    """The figures by nation and local authority that may be published (PRIV-10): every
    page, the API and the embeds show these and no others (see disclosure.py)."""
    return disclosure.disclose(
        by_area, listed=all_areas(), threshold=current_app.config["PUBLIC_COUNT_THRESHOLD"]
    )


@cache.memoize(timeout=5)
def area_counts() -> list[AreaCount]:
    """Every local authority, as the tables list them: published figures largest first,
    then the hidden ones by name ("10 or more" before "fewer than 10")."""
    _, by_area = _tallies()
    order = {None: 0, Hidden.SECONDARY: 1, Hidden.SMALL: 2, Hidden.WITHHELD: 3}
    counts = [
        AreaCount(code, area_name(code), figure.count, figure.hidden)
        for code, figure in _places(by_area).areas.items()
    ]
    return sorted(counts, key=lambda a: (order[a.hidden], -(a.count or 0), a.name))


def top_areas(limit: int = 10) -> list[AreaCount]:
    """The areas known to have the most signatures: those with a published figure, and
    any shown as "10 or more"; never the "fewer than 10" ones (which include none)."""
    shown = [a for a in area_counts() if a.hidden in (None, Hidden.SECONDARY)]
    return shown[:limit]


def _nations(places: disclosure.Disclosure) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": NATIONS[code],
            "count": figure.count,
            "hidden": figure.hidden.value if figure.hidden else None,
        }
        for code, figure in places.nations.items()
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
    """The figures behind GET /api/v1/counts, the home page and the embeds, cached for a
    few seconds."""
    counts, by_area = _tallies()
    places = _places(by_area)
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
        # The sum of the areas, the nations were suppressed against; every confirmed
        # signature is counted once per pledge and once per area, so it is also the
        # pledges' sum.
        "total": places.total,
        "updated_at": updated.isoformat(timespec="seconds"),
        "pledges": pledges,
        "sectors": sectors,
        "nations": _nations(places),
    }
