from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import Model
from campaign.timeutil import utcnow

# The fixed sets of values below, each the one source for its column's check constraint
# and for the code that offers or checks the values.
FREQUENCIES = ("immediate", "daily", "weekly")  # of agreement alerts
CONSENT_CHANNELS = ("sign form", "manage page", "unsubscribe link")  # where consent changed
SUPPRESSION_REASONS = ("unsubscribed", "erased", "bounced", "complaint")


class Supporter(Model):
    """One person, identified by a keyed hash of their canonical email address.

    `email` is kept only to send mail; de-duplication and suppression use `email_hash`,
    so the address itself never needs to be searched for.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    wants_updates: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When we asked an inactive supporter whether to stay (PRIV-08); None once they act.
    reconfirm_requested_at: Mapped[datetime | None]

    alert_subscriptions: Mapped[list[AlertSubscription]] = relationship(
        back_populates="supporter", cascade="all, delete-orphan"
    )


class AlertSubscription(Model):
    """Agreement alerts for one sector, at the frequency the supporter chose."""

    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(String(10), default="immediate")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supporter: Mapped[Supporter] = relationship(back_populates="alert_subscriptions")

    __table_args__ = (
        CheckConstraint(column("frequency").in_(FREQUENCIES), name="frequency_choice"),
    )


class ConsentRecord(Model):
    """Append-only history of each consent given or withdrawn (PRIV-03)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id", ondelete="CASCADE"))
    # The sign-up the consent was given with: if that sign-up is never confirmed and is
    # deleted, so is what it claimed (an unconfirmed form proves nothing about consent).
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(120))  # pledge:<slug>, updates, alerts:<slug>
    granted: Mapped[bool]
    wording_version: Mapped[str] = mapped_column(String(160))  # consent-N/pledge-<slug>-vN
    text_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the exact text shown
    channel: Mapped[str] = mapped_column(String(40))  # one of CONSENT_CHANNELS
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_consent_record_supporter", "supporter_id", "at"),
        CheckConstraint(column("channel").in_(CONSENT_CHANNELS), name="channel_choice"),
    )


class Suppression(Model):
    """Addresses we must never mail again, kept only as a keyed hash."""

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))  # one of SUPPRESSION_REASONS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(column("reason").in_(SUPPRESSION_REASONS), name="reason_choice"),
    )
