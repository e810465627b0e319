from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from campaign.extensions import db
from campaign.jobs import periodic
from campaign.pledges.services import purge_unconfirmed
from campaign.pledges.tallies import reconcile


@periodic(crontab(minute="17"))
def reconcile_counts() -> None:
    """Hourly: recompute every public count exactly from the signatures."""
    reconcile()
    db.session.commit()


@periodic(crontab(minute="5", hour="*/6"))
def purge_unconfirmed_signups() -> None:
    """Unconfirmed sign-ups are deleted after UNCONFIRMED_RETENTION_DAYS (PRIV-08)."""
    days = current_app.config["UNCONFIRMED_RETENTION_DAYS"]
    purge_unconfirmed(older_than=timedelta(days=days))
    db.session.commit()
