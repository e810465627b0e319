from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import Model
from campaign.supporters.models import Supporter
from campaign.timeutil import utcnow

# The fixed sets of values below, each the one source for its column's check constraint
# and for the code that offers or checks the values.
DISPLAYS = ("none", "initial", "full")  # what of a signer's name is public
# Why a sign-up was flagged: the rate limits of campaign.pledges.bots ("" when it was not).
FLAG_REASON_CODES = ("rate-limit-ip", "rate-limit-domain")
TALLY_KINDS = ("total", "area", "day")


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def first_name_and_initial(name: str) -> str | None:
    """ "Siân Llŷr 🌻" → "Siân L.": words are the runs holding letters, trimmed of what is
    not a letter (or a combining accent) at either end; the initial is a letter too."""
    words = []
    for word in name.split():
        letters = [i for i, char in enumerate(word) if _is_letter(char)]
        if letters:
            end = letters[-1] + 1
            while end < len(word) and unicodedata.category(word[end]).startswith("M"):
                end += 1
            words.append(word[letters[0] : end])
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    last = words[-1]
    initial = last[0]
    for char in last[1:]:  # keep an accent typed as a separate combining character
        if not unicodedata.category(char).startswith("M"):
            break
        initial += char
    return f"{words[0]} {initial.upper()}."


class Sector(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    pledges: Mapped[list[Pledge]] = relationship(
        back_populates="sector", order_by="Pledge.position"
    )


class Pledge(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"))
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    target: Mapped[int] = mapped_column(default=1000)
    is_open: Mapped[bool] = mapped_column(default=True)
    wording_version: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sector: Mapped[Sector] = relationship(back_populates="pledges")

    __table_args__ = (CheckConstraint("target > 0", name="target_positive"),)


class Signature(Model):
    """One person's signature of one pledge, with what they chose to make public.

    Counted only once confirmed from the inbox and not flagged as abuse. Name, area and
    choices live here rather than on the supporter so that a sign-up for an address
    someone doesn't own can never change that person's details.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"))
    # NULL once the signer erased their data: the anonymous signature still counts.
    supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporter.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    display: Mapped[str] = mapped_column(String(10), default="none")
    role: Mapped[str] = mapped_column(String(100), default="")
    area_code: Mapped[str] = mapped_column(String(9))
    wording_version: Mapped[int]
    wants_updates: Mapped[bool] = mapped_column(default=False)
    wants_alerts: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    flag_reason: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()

    pledge: Mapped[Pledge] = relationship()
    supporter: Mapped[Supporter | None] = relationship()

    __table_args__ = (
        UniqueConstraint("pledge_id", "supporter_id"),
        CheckConstraint(column("display").in_(DISPLAYS), name="display_choice"),
        CheckConstraint(
            column("flag_reason").in_(("", *FLAG_REASON_CODES)), name="flag_reason_choice"
        ),
        Index("ix_signature_pledge_confirmed", "pledge_id", "confirmed_at"),
        Index("ix_signature_confirmed_at", "confirmed_at"),
        Index("ix_signature_supporter", "supporter_id"),
    )

    @property
    def counts(self) -> bool:
        return self.confirmed_at is not None and not self.flagged

    @property
    def public_name(self) -> str | None:
        """The name as the signer chose to show it, or None for anonymous."""
        if self.display == "full":
            return self.name
        if self.display == "initial":
            return first_name_and_initial(self.name)
        return None


class Tally(Model):
    """Sharded counters behind the public counts (DESIGN.md "Counts").

    A confirmation adds one to a random shard of each of its tallies, so concurrent
    signers rarely touch the same row; readers sum a few shards. `kind` is
    total (key ""), area (key = ONS code) or day (key = YYYY-MM-DD).
    The reconciliation job recomputes every tally exactly from the signatures.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(10), default="")
    shard: Mapped[int] = mapped_column(default=0)
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("kind", "pledge_id", "key", "shard"),
        CheckConstraint(column("kind").in_(TALLY_KINDS), name="kind_choice"),
    )


class PledgeWording(Model):
    """The words of each version of a pledge. Consent records name the version each
    person signed (PRIV-03); this keeps what that version said."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("pledge_id", "version"),)
