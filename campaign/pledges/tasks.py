from __future__ import annotations

from huey import crontab

from campaign.extensions import db
from campaign.jobs import periodic
from campaign.pledges.tallies import reconcile


@periodic(crontab(minute="17"))
def reconcile_counts() -> None:
    """Hourly: recompute every public count exactly from the signatures."""
    reconcile()
    db.session.commit()
