"""The exact consent wording shown on the sign form. Change the text, bump the version:
consent records keep the version and a hash of the words each person saw (PRIV-03)."""

from __future__ import annotations

CONSENT_VERSION = "consent-1"
PLEDGE_CONSENT = (
    "I consent to you recording my pledge and holding my details as the privacy notice describes."
)
UPDATES_CONSENT = "Email me campaign updates."
ALERTS_CONSENT = "Email me when a new data-sharing agreement affecting {sector} comes to light."


def alerts_consent(sector_name: str) -> str:
    return ALERTS_CONSENT.format(sector=sector_name.lower())
