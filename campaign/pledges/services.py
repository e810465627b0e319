"""Signing and confirming: the rules, written into the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.orm.attributes import set_committed_value

from campaign.deliveries.services import deliveries_count, queue_delivery
from campaign.extensions import db, rows_affected
from campaign.pledges import tallies
from campaign.pledges.consent import (
    CONSENT_VERSION,
    PLEDGE_CONSENT,
    UPDATES_CONSENT,
    alerts_consent,
)
from campaign.pledges.models import Pledge, Signature
from campaign.supporters.models import AlertSubscription, Supporter
from campaign.supporters.services import email_hash, record_consent
from campaign.timeutil import utcnow

EMPLOYER_DOMAINS = (
    "nhs.net",
    "nhs.uk",
    "gov.uk",
    "police.uk",
    "sch.uk",
    "ac.uk",
    "mod.uk",
    "gov.scot",
    "gov.wales",
    "llyw.cymru",
    "hscni.net",
    "parliament.uk",
    "nhs.scot",
)


class PledgeClosed(Exception):
    """The pledge no longer accepts signatures."""


class AlreadyConfirmed(Exception):
    """The signature was confirmed before."""


def is_employer_address(email: str) -> bool:
    """True for addresses an employer can read (PRIV-11): warn before they are used."""
    domain = email.rpartition("@")[2].lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in EMPLOYER_DOMAINS)


def sign(
    *,
    pledge: Pledge,
    name: str,
    email: str,
    area_code: str,
    role: str,
    display: str,
    wants_updates: bool,
    wants_alerts: bool,
    flag_reason: str,
    remind: bool = True,
) -> Signature:
    """Record a signature and queue its confirmation email, or, if this address signed
    already, queue a "you already signed" email instead (unless `remind` is off). The
    caller commits once; a concurrent twin fails with IntegrityError on the unique
    constraints (REL-02), and the caller may try again with remind=False."""
    if not pledge.is_open:
        raise PledgeClosed(pledge.slug)
    address_hash = email_hash(email)
    supporter = db.session.scalar(db.select(Supporter).filter_by(email_hash=address_hash))
    if supporter is None:
        supporter = Supporter(email=email, email_hash=address_hash, name=name)
        db.session.add(supporter)
        db.session.flush()

    existing = db.session.scalar(
        db.select(Signature).filter_by(pledge_id=pledge.id, supporter_id=supporter.id)
    )
    if existing is not None:
        if remind:
            _remind(existing)
        return existing

    signature = Signature(
        pledge_id=pledge.id,
        supporter_id=supporter.id,
        name=name,
        display=display,
        role=role,
        area_code=area_code,
        wording_version=pledge.wording_version,
        wants_updates=wants_updates,
        wants_alerts=wants_alerts,
        flagged=bool(flag_reason),
        flag_reason=flag_reason,
    )
    db.session.add(signature)
    db.session.flush()
    _record_consents(signature, supporter, pledge)
    queue_delivery(kind="confirm_signature", source_id=signature.id, supporter_id=supporter.id)
    return signature


def _record_consents(signature: Signature, supporter: Supporter, pledge: Pledge) -> None:
    version = f"{CONSENT_VERSION}/pledge-{pledge.slug}-v{pledge.wording_version}"
    statement = f"{PLEDGE_CONSENT}\n\n{pledge.title}\n{pledge.statement}"
    grants = [(f"pledge:{pledge.slug}", statement)]
    if signature.wants_updates:
        grants.append(("updates", UPDATES_CONSENT))
    if signature.wants_alerts:
        grants.append((f"alerts:{pledge.sector.slug}", alerts_consent(pledge.sector.name)))
    for purpose, text in grants:
        record_consent(
            supporter=supporter,
            purpose=purpose,
            granted=True,
            wording_version=version,
            text=text,
            channel="sign form",
            signature_id=signature.id,
        )


def _remind(signature: Signature) -> None:
    """At most a few "you already signed" emails per signature (BOT-03)."""
    sent = deliveries_count(kind="already_signed", source_id=signature.id)
    if sent < current_app.config["ALREADY_SIGNED_MAX_EMAILS"]:
        queue_delivery(
            kind="already_signed",
            source_id=signature.id,
            supporter_id=signature.supporter_id,
            seq=sent + 1,
        )


def confirm(signature: Signature) -> None:
    """Confirm from the inbox: the signature counts (unless flagged) and the choices made
    on the form take effect, now that the address is proven to be theirs."""
    now = utcnow()
    # A conditional UPDATE, so two clicks racing each other confirm (and count) once.
    claimed = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_affected(claimed) != 1:
        raise AlreadyConfirmed(signature.id)
    set_committed_value(signature, "confirmed_at", now)
    supporter = signature.supporter
    assert supporter is not None  # erased supporters have no unconfirmed signatures
    if supporter.confirmed_at is None:
        supporter.confirmed_at = now
    supporter.name = signature.name
    supporter.last_active_at = now
    supporter.reconfirm_requested_at = None
    if signature.wants_updates:
        supporter.wants_updates = True
    if signature.wants_alerts:
        sector_id = signature.pledge.sector_id
        if not any(s.sector_id == sector_id for s in supporter.alert_subscriptions):
            supporter.alert_subscriptions.append(AlertSubscription(sector_id=sector_id))
    db.session.flush()
    if signature.counts:
        tallies.add_signature(signature)


def purge_unconfirmed(*, older_than: timedelta) -> int:
    """Delete sign-ups never confirmed in time, and people left with nothing (PRIV-08).
    Returns the number of signatures deleted."""
    cutoff = utcnow() - older_than
    deleted = db.session.execute(
        delete(Signature).where(Signature.confirmed_at.is_(None), Signature.created_at < cutoff)
    )
    has_signature = db.select(Signature.id).where(Signature.supporter_id == Supporter.id).exists()
    db.session.execute(
        delete(Supporter).where(
            Supporter.confirmed_at.is_(None), Supporter.created_at < cutoff, ~has_signature
        )
    )
    return rows_affected(deleted)
