"""The registry of message kinds: how each feature turns a delivery row into an email."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from campaign.deliveries.models import Delivery
from campaign.email import Outgoing


@dataclass(frozen=True)
class Kind:
    name: str
    stream: str  # transactional, alerts or campaign
    render: Callable[[Delivery], Outgoing | None]  # None: nothing to send any more


KINDS: dict[str, Kind] = {}


def register_kind(name: str, *, stream: str, render: Callable[[Delivery], Outgoing | None]) -> None:
    KINDS[name] = Kind(name, stream, render)
