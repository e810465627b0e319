from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from campaign.extensions import db
from campaign.jobs import periodic
from campaign.supporters.services import ask_inactive_to_reconfirm, erase_unanswered


@periodic(crontab(minute="35", hour="3"))
def reconfirm_inactive_supporters() -> None:
    """Daily: ask long-silent supporters whether to stay; erase those who never answer."""
    config = current_app.config
    ask_inactive_to_reconfirm(inactive_for=timedelta(days=30 * config["INACTIVE_RECONFIRM_MONTHS"]))
    erase_unanswered(grace=timedelta(days=config["RECONFIRM_GRACE_DAYS"]))
    db.session.commit()
