"""Named reads: the public counts, the organisers' figures and the signature list.

Public counts come from the tallies, so they cost the same with ten signatures or ten
million, and are cached for a few seconds; forget_counts() drops them when an organiser's
change must show at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, literal, union_all
from sqlalchemy.orm import joinedload, selectinload

from campaign.extensions import cache, db
from campaign.geo import NATIONS, all_areas, area_name
from campaign.pledges import disclosure
from campaign.pledges.disclosure import Hidden
from campaign.pledges.models import Pledge, PledgeWording, Sector, Signature, Tally
from campaign.timeutil import day_bounds, start_of_day, utcnow


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


def forget_counts() -> None:
    """Drop every cached public figure (the totals, the areas, the growth chart), so a
    change an organiser just committed shows everywhere at once. Call it after the
    commit: cleared before, a reader could cache the old figures again in between.
    Confirmations don't call it: at hundreds a second it would undo the cache, and the
    figures catch up within seconds."""
    for cached in (public_counts, area_counts, growth):
        cache.delete_memoized(cached)


# --- for organisers: totals, and the signature list -------------------------------------


def _count(query: Select[Any]) -> int:
    return int(db.session.scalar(query) or 0)


def signature_figures() -> dict[str, Any]:
    """The dashboard's totals: no names, no addresses."""
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
        "pledges": [(pledge, counted.get(pledge.id, 0)) for pledge in pledges],
    }


SIGNATURE_STATUSES = {
    "": "Any status",
    "unconfirmed": "Unconfirmed",
    "confirmed": "Confirmed and counted",
    "flagged": "Flagged, waiting for review",
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
