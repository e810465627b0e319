from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from campaign.email import STREAM_NAMES
from campaign.extensions import Model
from campaign.timeutil import utcnow

STATUSES = ("queued", "sending", "sent", "failed", "bounced", "skipped")


class Delivery(Model):
    """One message of one kind, about one source object, to one recipient.

    Unique per (kind, source, recipient, seq) so a retried request or a double click
    can never queue the same message twice; `seq` allows the few deliberate repeats
    (for example, "you already signed" reminders).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    stream: Mapped[str] = mapped_column(String(16))  # transactional, alerts, campaign
    source_id: Mapped[int]
    # The recipient; NULL for mail to staff accounts, and once the supporter is deleted
    # or erased: the row stays as an anonymous count of what was sent
    # (campaign/supporters/services.py, `erase`).
    supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporter.id", ondelete="SET NULL")
    )
    seq: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While `sending`: which worker's claim holds the row, and when that worker last
    # renewed its lease (campaign/deliveries/sending.py).
    claimed_at: Mapped[datetime | None] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("kind", "source_id", "supporter_id", "seq"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
        Index("ix_delivery_supporter", "supporter_id"),
        CheckConstraint(column("status").in_(STATUSES), name="status_choice"),
        CheckConstraint(column("stream").in_(STREAM_NAMES), name="stream_choice"),
    )
