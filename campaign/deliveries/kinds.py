"""The registry of message kinds: how each feature turns a delivery row into an email.

A feature registers each kind with the stream it belongs to, and its `render` says only
what the message says (a Draft, or None when there is nothing to send any more). The
stream decides everything else in the one email path (campaign/email.py): From, List-Id,
Auto-Submitted or Precedence and, for alerts and campaign mail, List-Unsubscribe with
one-click POST and the footer with the recipient's own unsubscribe and preferences links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from campaign.deliveries.models import Delivery
from campaign.email import LIST_STREAMS, STREAMS, Draft, ListLinks, Outgoing, build_email
from campaign.extensions import db
from campaign.supporters.links import manage_url, unsubscribe_url
from campaign.supporters.models import Supporter


@dataclass(frozen=True)
class Kind:
    name: str
    stream: str  # transactional, alerts or campaign
    render: Callable[[Delivery], Draft | None]  # None: nothing to send any more

    def build(self, delivery: Delivery) -> Outgoing | None:
        """The message for this delivery, as its stream sends it (None: skip it)."""
        if delivery.stream not in LIST_STREAMS:
            draft = self.render(delivery)
            return None if draft is None else build_email(draft, stream=delivery.stream)
        supporter_id = delivery.supporter_id
        supporter = db.session.get(Supporter, supporter_id) if supporter_id else None
        if supporter is None or not still_wanted(supporter, delivery.stream):
            return None  # erased, or unsubscribed, since it was queued
        draft = self.render(delivery)
        if draft is None:
            return None
        links = ListLinks(
            unsubscribe_url=unsubscribe_url(supporter, delivery.stream),
            manage_url=manage_url(supporter),
        )
        return build_email(draft, stream=delivery.stream, links=links)


def still_wanted(supporter: Supporter, stream: str) -> bool:
    """Consent checked again at send time: whoever unsubscribed from a stream after their
    row was queued gets nothing more from it (which sectors an alert is for is the alert
    kind's own check)."""
    if stream == "campaign":
        return supporter.wants_updates
    return bool(supporter.alert_subscriptions)


KINDS: dict[str, Kind] = {}


def register_kind(name: str, *, stream: str, render: Callable[[Delivery], Draft | None]) -> None:
    if stream not in STREAMS:
        raise ValueError(f"{name}: no stream {stream!r} (one of {', '.join(STREAMS)})")
    KINDS[name] = Kind(name, stream, render)
