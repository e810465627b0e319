"""The signed links that name a supporter, and their readers (the pages are in
campaign/mydata). Here rather than in mydata because every email to a supporter
carries them: the pledge emails and the alert and campaign footers too.

- manage: see, change, download or erase their data; works for MANAGE_LINK_MAX_AGE.
- stay: "keep me on the list" after re-confirmation was asked; works for the grace
  period (RECONFIRM_GRACE_DAYS) and a day.
- unsubscribe: stop one stream; never expires, since an old email's link must still work.
"""

from __future__ import annotations

from flask import current_app

from campaign.email import LIST_STREAMS
from campaign.extensions import db
from campaign.links import BadLink, Link, site_url
from campaign.supporters.models import Supporter

DAY = 24 * 3600

MANAGE = Link("manage", max_age=lambda: int(current_app.config["MANAGE_LINK_MAX_AGE"]))
STAY = Link("stay", max_age=lambda: (int(current_app.config["RECONFIRM_GRACE_DAYS"]) + 1) * DAY)
UNSUBSCRIBE = Link("unsubscribe")


def manage_url(supporter: Supporter) -> str:
    return site_url("mydata.manage", token=MANAGE.token(supporter.id))


def supporter_from_manage_link(token: str) -> Supporter:
    """Raises BadLink."""
    return MANAGE.load(Supporter, token)


def stay_url(supporter: Supporter) -> str:
    return site_url("mydata.stay", token=STAY.token(supporter.id))


def supporter_from_stay_link(token: str) -> Supporter:
    """Raises BadLink."""
    return STAY.load(Supporter, token)


def unsubscribe_url(supporter: Supporter, stream: str) -> str:
    return site_url("mydata.unsubscribe", token=UNSUBSCRIBE.token([supporter.id, stream]))


def read_unsubscribe_link(token: str) -> tuple[Supporter | None, str]:
    """The supporter and the stream they want to stop. The supporter is None once erased:
    unsubscribing again must still answer as before. Raises BadLink."""
    match UNSUBSCRIBE.read(token):
        case [int() as supporter_id, str() as stream] if stream in LIST_STREAMS:
            return db.session.get(Supporter, supporter_id), stream
    raise BadLink(UNSUBSCRIBE, "invalid")
