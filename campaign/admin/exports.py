"""CSV export of the supporters who agreed to campaign emails (SEC-16, AUD-01)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func

from campaign.accounts.models import User
from campaign.audit import record
from campaign.extensions import db
from campaign.geo import area_name
from campaign.pledges.models import Pledge, Signature
from campaign.spreadsheets import neutralise
from campaign.supporters.models import Supporter, Suppression

HEADER = ["email", "name", "pledges", "local_authority", "confirmed_on"]


@dataclass(frozen=True)
class ExportFilter:
    pledge_id: int | None = None
    sector_id: int | None = None

    def as_detail(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value}


def _consenting(spec: ExportFilter) -> Select[Any]:
    """Confirmed supporters who want campaign emails and have not unsubscribed, with
    their counted signatures (filtered to a pledge or sector if asked)."""
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
    if spec.pledge_id:
        query = query.where(Signature.pledge_id == spec.pledge_id)
    if spec.sector_id:
        query = query.where(Pledge.sector_id == spec.sector_id)
    return query


def count_supporters(spec: ExportFilter) -> int:
    ids = _consenting(spec).with_only_columns(Supporter.id).distinct().subquery()
    return int(db.session.scalar(db.select(func.count()).select_from(ids)) or 0)


def start_export(*, actor: User, spec: ExportFilter) -> int:
    """Audit the export before a byte of it is sent; returns how many rows it holds."""
    rows = count_supporters(spec)
    record(actor=actor, action="supporters.export", detail={**spec.as_detail(), "rows": rows})
    return rows


def csv_lines(spec: ExportFilter) -> Iterator[str]:
    """The CSV, a line at a time, one row per supporter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield line(HEADER)
    query = _consenting(spec).order_by(Supporter.id, Signature.confirmed_at)
    current: Supporter | None = None
    slugs: list[str] = []
    area = ""
    for supporter, signature, slug in db.session.execute(query.execution_options(yield_per=500)):
        if current is not None and supporter.id != current.id:
            yield line(_row(current, slugs, area))
            slugs = []
        if current is None or supporter.id != current.id:
            current, area = supporter, signature.area_code
        slugs.append(slug)
    if current is not None:
        yield line(_row(current, slugs, area))


def _row(supporter: Supporter, slugs: list[str], area_code: str) -> list[str]:
    confirmed = supporter.confirmed_at.date().isoformat() if supporter.confirmed_at else ""
    return [supporter.email, supporter.name, "; ".join(slugs), area_name(area_code), confirmed]
