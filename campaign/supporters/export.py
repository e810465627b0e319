"""The organisers' CSV of the supporters who agreed to campaign emails: audited before
it is sent (AUD-01), safe to open in a spreadsheet (SEC-16). Who is in it is
supporters.queries' consenting audience."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from campaign.accounts.models import User
from campaign.audit import record
from campaign.extensions import db
from campaign.geo import area_name
from campaign.pledges.models import Signature
from campaign.spreadsheets import neutralise
from campaign.supporters.models import Supporter
from campaign.supporters.queries import Audience, consenting_signatures, count_consenting

HEADER = ["email", "name", "pledges", "local_authority", "confirmed_on"]


def start_export(*, actor: User, audience: Audience) -> int:
    """Audit the export before a byte of it is sent; returns how many rows it holds."""
    rows = count_consenting(audience)
    record(actor=actor, action="supporters.export", detail={**audience.as_detail(), "rows": rows})
    return rows


def csv_lines(audience: Audience) -> Iterator[str]:
    """The CSV, a line at a time, one row per supporter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield line(HEADER)
    query = consenting_signatures(audience).order_by(Supporter.id, Signature.confirmed_at)
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
