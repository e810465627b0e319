"""The exact consent wording supporters are shown, and the one way a consent given or
withdrawn is recorded. Change a text, bump the version: each record keeps the version
and a hash of the words the person saw, never the words themselves (PRIV-03)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert

from campaign.extensions import db
from campaign.pledges.models import Pledge, Sector
from campaign.supporters.models import ConsentRecord
from campaign.timeutil import utcnow

CONSENT_VERSION = "consent-1"
PLEDGE_CONSENT = (
    "I consent to you recording my pledge and holding my details as the privacy notice describes."
)
UPDATES_CONSENT = "Email me campaign updates."
ALERTS_CONSENT = "Email me when a new data-sharing agreement affecting {sector} comes to light."


def alerts_consent(sector_name: str) -> str:
    return ALERTS_CONSENT.format(sector=sector_name.lower())


def sign_form_version(pledge: Pledge) -> str:
    """The version of the words on a pledge's sign form: the consent texts' and the
    pledge's own, which an organiser can change."""
    return f"{CONSENT_VERSION}/pledge-{pledge.slug}-v{pledge.wording_version}"


@dataclass(frozen=True)
class Consent:
    """One consent given or withdrawn: what for, and the exact words shown."""

    purpose: str  # pledge:<slug>, updates, alerts:<sector slug>
    granted: bool
    text: str

    @classmethod
    def pledge(cls, pledge: Pledge) -> Consent:
        text = f"{PLEDGE_CONSENT}\n\n{pledge.title}\n{pledge.statement}"
        return cls(f"pledge:{pledge.slug}", True, text)

    @classmethod
    def updates(cls, *, granted: bool) -> Consent:
        return cls("updates", granted, UPDATES_CONSENT)

    @classmethod
    def alerts(cls, sector: Sector, *, granted: bool) -> Consent:
        return cls(f"alerts:{sector.slug}", granted, alerts_consent(sector.name))


def record_consents(
    *,
    supporter_id: int,
    consents: Sequence[Consent],
    channel: str,
    wording_version: str = CONSENT_VERSION,
    signature_id: int | None = None,
) -> None:
    """Append one record per consent, in one statement. `channel` says how it was given
    (sign form, manage page, unsubscribe link); `signature_id` ties consents given with a
    sign-up to it, so they go if that sign-up is never confirmed and is deleted."""
    if not consents:
        return
    now = utcnow()
    db.session.execute(
        insert(ConsentRecord),
        [
            {
                "supporter_id": supporter_id,
                "signature_id": signature_id,
                "purpose": consent.purpose,
                "granted": consent.granted,
                "wording_version": wording_version,
                "text_hash": hashlib.sha256(consent.text.encode()).hexdigest(),
                "channel": channel,
                "at": now,
            }
            for consent in consents
        ],
    )
