"""Signing and confirming, and the sectors and pledges people sign: the rules, written
into the caller's transaction.

Changing what a pledge says (its title or statement) makes a new wording version; the
words of each version are kept (PledgeWording), and consent records name the version
each person signed (PRIV-03), so what someone agreed to can always be shown. Every
change to a sector or pledge is audited; `actor` is None for the system (`flask demo`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, literal, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from campaign.accounts.models import User
from campaign.audit import record
from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.deliveries.services import queue_delivery
from campaign.extensions import db, dialect_insert, rows_affected
from campaign.pledges import tallies
from campaign.pledges.models import Pledge, PledgeWording, Sector, Signature
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


class SlugTaken(Exception):
    """Another sector or pledge already has this address."""


class WordingChanged(Exception):
    """Someone else saved new words for this pledge after it was read for this change."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this pledge’s wording while you were editing it. Their "
            "version is in the wording history below: check it, then save yours again."
        )


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


# --- sectors and pledges ----------------------------------------------------------------


def create_sector(
    *, actor: User | None, slug: str, name: str, description: str = "", position: int = 0
) -> Sector:
    sector = Sector(slug=slug, name=name, description=description, position=position)
    db.session.add(sector)
    _flush_unique()
    record(actor=actor, action="sector.create", target=f"sector:{sector.id}", detail={"slug": slug})
    return sector


def edit_sector(*, actor: User | None, sector: Sector, **values: Any) -> list[str]:
    """Apply the values that differ; returns the names of what changed."""
    changed = _apply(sector, values)
    if changed:
        db.session.flush()
        record(actor=actor, action="sector.update", target=f"sector:{sector.id}", detail=changed)
    return sorted(changed)


def create_pledge(
    *,
    actor: User | None,
    sector: Sector,
    slug: str,
    title: str,
    statement: str,
    target: int,
    is_open: bool = True,
    position: int = 0,
) -> Pledge:
    pledge = Pledge(
        slug=slug,
        sector_id=sector.id,
        title=title,
        statement=statement,
        target=target,
        is_open=is_open,
        position=position,
    )
    db.session.add(pledge)
    _flush_unique()
    _keep_wording(pledge)
    record(actor=actor, action="pledge.create", target=f"pledge:{pledge.id}", detail={"slug": slug})
    return pledge


def edit_pledge(*, actor: User | None, pledge: Pledge, **values: Any) -> list[str]:
    """Apply the values that differ; a new title or statement is a new wording version.
    Returns the names of what changed. Raises WordingChanged if someone else saved new
    words since the pledge was read (the caller rolls back and says so)."""
    old_version = pledge.wording_version
    old_words = (pledge.title, pledge.statement)
    changed = _apply(pledge, values)
    if "title" in changed or "statement" in changed:
        _next_version(pledge, old_version)
        _keep_wording(pledge, version=old_version, words=old_words)
        _keep_wording(pledge)
        changed["wording_version"] = {"from": old_version, "to": pledge.wording_version}
    if changed:
        db.session.flush()
        record(actor=actor, action="pledge.update", target=f"pledge:{pledge.id}", detail=changed)
    return sorted(changed)


def _flush_unique() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise SlugTaken("That address is already used: choose another.") from exc


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the attributes that differ; return what changed, from and to (long text is
    summarised: the audit log needs to know it changed, the wording table keeps it)."""
    changed: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            if isinstance(value, str) and len(value) > 80:
                changed[name] = {"changed": True}
            else:
                changed[name] = {"from": old, "to": value}
    return changed


def _next_version(pledge: Pledge, current: int) -> None:
    """Move the pledge on from wording version `current`, if it is still there. Of two
    people saving new words at once, one gets the next version; the other is told (the
    view locks the row on PostgreSQL, so there the second waits and builds on the first).
    """
    moved = db.session.execute(
        update(Pledge)
        .where(Pledge.id == pledge.id, Pledge.wording_version == current)
        .values(wording_version=current + 1)
    )
    if rows_affected(moved) != 1:
        raise WordingChanged()


def _keep_wording(
    pledge: Pledge, *, version: int | None = None, words: tuple[str, str] | None = None
) -> None:
    """Store a version's words once (older pledges may not have their first one yet)."""
    version = pledge.wording_version if version is None else version
    exists = db.session.scalar(
        db.select(PledgeWording.id).filter_by(pledge_id=pledge.id, version=version)
    )
    if exists is None:
        title, statement = words or (pledge.title, pledge.statement)
        db.session.add(
            PledgeWording(pledge_id=pledge.id, version=version, title=title, statement=statement)
        )
        try:
            db.session.flush()
        except IntegrityError as exc:  # the same version, stored by someone else just now
            raise WordingChanged() from exc
