"""The signed links every email to a supporter carries (the pages are in campaign/mydata)."""

from __future__ import annotations

from campaign.email import site_url
from campaign.supporters.models import Supporter
from campaign.tokens import make_token


def manage_url(supporter: Supporter) -> str:
    return site_url("mydata.manage", token=make_token("manage", supporter.id))


def unsubscribe_url(supporter: Supporter, stream: str) -> str:
    return site_url("mydata.unsubscribe", token=make_token("unsubscribe", [supporter.id, stream]))
