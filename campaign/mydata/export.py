"""Everything held about one supporter, consent history included (PRIV-06)."""

from __future__ import annotations

import csv
import io
from typing import Any

from campaign.extensions import db
from campaign.geo import area_name
from campaign.spreadsheets import neutralise
from campaign.supporters.models import ConsentRecord, Supporter
from campaign.supporters.services import signatures_of


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_data(supporter: Supporter) -> dict[str, Any]:
    consents = db.session.scalars(
        db.select(ConsentRecord)
        .where(ConsentRecord.supporter_id == supporter.id)
        .order_by(ConsentRecord.at, ConsentRecord.id)
    )
    return {
        "email": supporter.email,
        "name": supporter.name,
        "created_at": _iso(supporter.created_at),
        "confirmed_at": _iso(supporter.confirmed_at),
        "campaign_updates": supporter.wants_updates,
        "alerts": [
            {"sector": s.sector_id, "frequency": s.frequency, "since": _iso(s.created_at)}
            for s in supporter.alert_subscriptions
        ],
        "signatures": [
            {
                "pledge": s.pledge.title,
                "pledge_slug": s.pledge.slug,
                "wording_version": s.wording_version,
                "name_given": s.name,
                "shown_publicly": s.display,
                "role": s.role,
                "local_authority": area_name(s.area_code),
                "signed_at": _iso(s.created_at),
                "confirmed_at": _iso(s.confirmed_at),
                "counted": s.counts,
            }
            for s in signatures_of(supporter)
        ],
        "consent_history": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "wording_version": c.wording_version,
                "text_sha256": c.text_hash,
                "channel": c.channel,
                "at": _iso(c.at),
            }
            for c in consents
        ],
    }


def export_csv(data: dict[str, Any]) -> str:
    """One row per fact: section, field, value (cells neutralised against formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for field in ("email", "name", "created_at", "confirmed_at", "campaign_updates"):
        writer.writerow(["you", "", field, neutralise(data[field])])
    for section in ("alerts", "signatures", "consent_history"):
        for index, item in enumerate(data[section], start=1):
            for field, value in item.items():
                writer.writerow([section, index, field, neutralise(value)])
    return out.getvalue()
