"""Signing and confirming: the rules, written into the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, literal, update
from sqlalchemy.orm.attributes import set_committed_value

from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.deliveries.services import queue_delivery
from campaign.extensions import db, dialect_insert, rows_affected
from campaign.pledges import tallies
from campaign.pledges.models import Pledge, Signature
from campaign.supporters.consent import Consent, record_consents, sign_form_version
from campaign.supporters.models import AlertSubscription, Supporter
from campaign.supporters.services import delete_orphans, email_hash
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
) -> Signature:
    """Record a signature and queue its confirmation email, or, if this address signed
    this pledge already, queue a "you already signed" email instead. The caller commits.

    Both paths run the same five statements (an upsert of the supporter, an insert of
    the signature that does nothing if it exists, two writes or a read and a write, and
    a read), so the time a sign-up takes does not tell whether the address had signed
    (BOT-03). Concurrent twins need no retry: the upserts wait for each other, and the
    later one finds the signature the first made (REL-02).
    """
    if not pledge.is_open:
        raise PledgeClosed(pledge.slug)
    if not (name.strip() and email.strip()):
        raise ValueError("a signature needs a name and an email address")
    now = utcnow()
    address_hash = email_hash(email)
    new_supporter = dialect_insert(Supporter).values(
        email=email, email_hash=address_hash, name=name, created_at=now, last_active_at=now
    )
    supporter_id: int = db.session.scalar(
        new_supporter.on_conflict_do_update(
            index_elements=[Supporter.email_hash],
            set_={"email_hash": new_supporter.excluded.email_hash},  # a no-op, for RETURNING
        ).returning(Supporter.id)
    )
    signature_id: int | None = db.session.scalar(
        dialect_insert(Signature)
        .values(
            pledge_id=pledge.id,
            supporter_id=supporter_id,
            name=name,
            display=display,
            role=role,
            area_code=area_code,
            wording_version=pledge.wording_version,
            wants_updates=wants_updates,
            wants_alerts=wants_alerts,
            flagged=bool(flag_reason),
            flag_reason=flag_reason,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Signature.pledge_id, Signature.supporter_id])
        .returning(Signature.id)
    )
    if signature_id is not None:
        _record_consents(
            pledge,
            supporter_id=supporter_id,
            signature_id=signature_id,
            wants_updates=wants_updates,
            wants_alerts=wants_alerts,
        )
        queue_delivery(kind="confirm_signature", source_id=signature_id, supporter_id=supporter_id)
    else:
        signature_id = db.session.scalar(
            db.select(Signature.id).filter_by(pledge_id=pledge.id, supporter_id=supporter_id)
        )
        assert signature_id is not None
        _remind(signature_id, now=now)
    signature = db.session.get(Signature, signature_id)
    assert signature is not None
    return signature


def _record_consents(
    pledge: Pledge,
    *,
    supporter_id: int,
    signature_id: int,
    wants_updates: bool,
    wants_alerts: bool,
) -> None:
    consents = [Consent.pledge(pledge)]
    if wants_updates:
        consents.append(Consent.updates(granted=True))
    if wants_alerts:
        consents.append(Consent.alerts(pledge.sector, granted=True))
    record_consents(
        supporter_id=supporter_id,
        consents=consents,
        channel="sign form",
        wording_version=sign_form_version(pledge),
        signature_id=signature_id,
    )


# A second sign-up this soon after the first is a double click or a retried request,
# not a person who forgot they signed: it gets no "you already signed" email.
REMIND_AFTER = timedelta(minutes=1)


def _remind(signature_id: int, *, now: datetime) -> None:
    """At most a few "you already signed" emails per signature (BOT-03), in one
    statement whichever way it goes."""
    sent = (
        db.select(func.count())
        .select_from(Delivery)
        .where(Delivery.kind == "already_signed", Delivery.source_id == signature_id)
        .scalar_subquery()
    )
    reminder = db.select(
        literal("already_signed"),
        literal(KINDS["already_signed"].stream),
        Signature.id,
        Signature.supporter_id,
        sent + 1,
    ).where(
        Signature.id == signature_id,
        Signature.created_at < now - REMIND_AFTER,
        sent < current_app.config["ALREADY_SIGNED_MAX_EMAILS"],
    )
    db.session.execute(
        dialect_insert(Delivery)
        .from_select(["kind", "stream", "source_id", "supporter_id", "seq"], reminder)
        .on_conflict_do_nothing()
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
    """Delete sign-ups never confirmed in time, and the people this leaves with nothing
    (PRIV-08). Returns the number of signatures deleted."""
    deleted = db.session.execute(
        delete(Signature).where(
            Signature.confirmed_at.is_(None), Signature.created_at < utcnow() - older_than
        )
    )
    delete_orphans()
    return rows_affected(deleted)
