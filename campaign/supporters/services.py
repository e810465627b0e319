"""A supporter's life, from the first sign-up to the last deletion: how they are
recognised, the choices they change, the mail they can stop, being asked whether to
stay, erasing themselves, and being deleted once nothing needs them. Every function
writes into the caller's transaction; the request or job commits."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, case, delete, func, or_, update

from campaign.deliveries.models import Delivery
from campaign.deliveries.services import queue_delivery
from campaign.extensions import db, dialect_insert
from campaign.pledges.models import DISPLAYS, Sector, Signature
from campaign.supporters.consent import Consent, record_consents
from campaign.supporters.models import FREQUENCIES, AlertSubscription, Supporter, Suppression
from campaign.timeutil import utcnow

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
# Reasons that stop even transactional mail: the address does not work or complained.
HARD_SUPPRESSION = {"bounced", "complaint"}
ORPHAN_BATCH = 500  # supporters per statement: well inside any database's parameter limit


# --- who they are ---------------------------------------------------------------------


def canonical_email(address: str) -> str:
    """The form used to recognise one person behind variants of an address (BOT-04):
    lower case, no +tag, and for Gmail no dots and googlemail → gmail."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_hash(address: str) -> str:
    """Keyed hash of the canonical address: de-duplicates and suppresses without the
    address, and cannot be reversed by hashing a list of guesses without the key."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"email-hash", hashlib.sha256)
    return hmac.new(key.digest(), canonical_email(address).encode(), hashlib.sha256).hexdigest()


def supporter_by_email(address: str) -> Supporter | None:
    return db.session.scalar(db.select(Supporter).filter_by(email_hash=email_hash(address)))


def signatures_of(supporter: Supporter) -> list[Signature]:
    return list(
        db.session.scalars(
            db.select(Signature)
            .where(Signature.supporter_id == supporter.id)
            .order_by(Signature.id)
        )
    )


# --- mail we must not send ------------------------------------------------------------


def is_suppressed(supporter: Supporter, *, stream: str) -> bool:
    """Checked again at send time for every recipient."""
    suppression = db.session.get(Suppression, supporter.email_hash)
    if suppression is None:
        return False
    return stream != "transactional" or suppression.reason in HARD_SUPPRESSION


def suppress(*, email_hash_value: str, reason: str) -> None:
    """Add to the suppression list; safe when two bounces or erasures race. A hard reason
    (bounce, complaint) replaces a soft one, never the other way round."""
    statement = dialect_insert(Suppression).values(email_hash=email_hash_value, reason=reason)
    if reason in HARD_SUPPRESSION:
        statement = statement.on_conflict_do_update(
            index_elements=["email_hash"], set_={"reason": reason}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["email_hash"])
    db.session.execute(statement)


# --- their choices (each change of consent recorded: PRIV-03) -------------------------


def _set_updates(supporter: Supporter, wanted: bool) -> Consent | None:
    """Campaign updates on or off: the consent to record, or None if nothing changed."""
    if supporter.wants_updates == wanted:
        return None
    supporter.wants_updates = wanted
    return Consent.updates(granted=wanted)


def update_preferences(
    *,
    supporter: Supporter,
    wants_updates: bool,
    alert_sector_ids: set[int],
    frequency: str,
    display: dict[int, str],
) -> list[str]:
    """Apply the choices from the manage page, recording each change of consent
    (PRIV-03); returns what changed. Acting on the page also answers "do you want to
    stay?"."""
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    consents: list[Consent] = []
    changed: list[str] = []
    if updates := _set_updates(supporter, wants_updates):
        consents.append(updates)
        changed.append("campaign updates")

    current = {s.sector_id: s for s in supporter.alert_subscriptions}
    sectors = {s.id: s for s in db.session.scalars(db.select(Sector))}
    for sector_id in set(current) | alert_sector_ids:
        sector = sectors.get(sector_id)
        if sector is None:
            continue
        wanted = sector_id in alert_sector_ids
        if wanted and sector_id not in current:
            supporter.alert_subscriptions.append(
                AlertSubscription(sector_id=sector_id, frequency=frequency)
            )
        elif not wanted and sector_id in current:
            supporter.alert_subscriptions.remove(current[sector_id])
        else:
            if wanted and current[sector_id].frequency != frequency:
                current[sector_id].frequency = frequency
                changed.append(f"alert frequency for {sector.name.lower()}")
            continue
        consents.append(Consent.alerts(sector, granted=wanted))
        changed.append(f"alerts for {sector.name.lower()}")

    for signature in signatures_of(supporter):
        choice = display.get(signature.id, signature.display)
        if choice != signature.display and choice in DISPLAYS:
            signature.display = choice
            changed.append(f"what is shown for “{signature.pledge.title}”")
    record_consents(supporter_id=supporter.id, consents=consents, channel="manage page")
    keep_on_list(supporter=supporter)
    return changed


def unsubscribe(*, supporter: Supporter, stream: str) -> None:
    """One-click unsubscribe from a stream (campaign or alerts), recorded as withdrawn
    consent; pressing it again changes nothing."""
    consents: list[Consent] = []
    if stream == "campaign" and (updates := _set_updates(supporter, False)):
        consents.append(updates)
    if stream == "alerts":
        for subscription in list(supporter.alert_subscriptions):
            supporter.alert_subscriptions.remove(subscription)
            sector = db.session.get(Sector, subscription.sector_id)
            if sector is not None:
                consents.append(Consent.alerts(sector, granted=False))
    record_consents(supporter_id=supporter.id, consents=consents, channel="unsubscribe link")
    db.session.flush()


# --- staying or going (PRIV-08) -------------------------------------------------------


def keep_on_list(*, supporter: Supporter) -> None:
    """The supporter answered "keep me" (or acted on the manage page): active again, no
    longer due for erasure."""
    supporter.last_active_at = utcnow()
    supporter.reconfirm_requested_at = None
    db.session.flush()


def ask_inactive_to_reconfirm(*, inactive_for: timedelta, limit: int = 1000) -> int:
    """Queue "do you want to stay?" to supporters silent for `inactive_for`."""
    now = utcnow()
    due = list(
        db.session.scalars(
            db.select(Supporter)
            .where(
                Supporter.confirmed_at.is_not(None),
                Supporter.reconfirm_requested_at.is_(None),
                Supporter.last_active_at < now - inactive_for,
            )
            .limit(limit)
        )
    )
    for supporter in due:
        supporter.reconfirm_requested_at = now
        asked_before = (
            db.session.scalar(
                db.select(func.count())
                .select_from(Delivery)
                .where(Delivery.kind == "reconfirm", Delivery.supporter_id == supporter.id)
            )
            or 0
        )
        queue_delivery(
            kind="reconfirm", source_id=supporter.id, supporter_id=supporter.id, seq=asked_before
        )
    db.session.flush()
    return len(due)


def erase_unanswered(*, grace: timedelta) -> int:
    """Erase supporters who were asked to re-confirm and did not answer within `grace`."""
    silent = list(
        db.session.scalars(
            db.select(Supporter).where(Supporter.reconfirm_requested_at < utcnow() - grace)
        )
    )
    for supporter in silent:
        erase(supporter=supporter)
    return len(silent)


def erase(*, supporter: Supporter) -> None:
    """Delete everything that identifies the person (PRIV-07), at their request or when
    they did not answer "do you want to stay?". What is left identifies no one:

    - their confirmed signatures, as anonymous rows (no supporter, name, role or
      choices), so the public counts do not change; unconfirmed ones are deleted;
    - the keyed hash of their address on the suppression list, so we never email it
      again;
    - their delivery rows, as anonymous counts of what was sent (a mailing's "sent to
      N"): kind, stream, source, status, attempts and times stay; the recipient goes,
      and so does the relay's last error, which can quote the address; mail not yet sent
      is skipped.

    Their consent records and alert subscriptions go with them.
    """
    db.session.execute(
        delete(Signature)
        .where(Signature.supporter_id == supporter.id, Signature.confirmed_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Signature)
        .where(Signature.supporter_id == supporter.id)
        .values(
            supporter_id=None,
            name="",
            role="",
            display="none",
            wants_updates=False,
            wants_alerts=False,
        )
        .execution_options(synchronize_session=False)
    )
    suppress(email_hash_value=supporter.email_hash, reason="erased")
    _delete_supporters([supporter.id])


def _still_needed() -> ColumnElement[bool]:
    """True for a supporter something still needs (the rule is in delete_orphans). A
    feature whose rows hold a person adds its own `….exists()` here."""
    return or_(
        db.select(Signature.id).where(Signature.supporter_id == Supporter.id).exists(),
    )


def delete_orphans(*, among: Iterable[int | None] | None = None) -> int:
    """Delete the people nothing needs any more, and return how many were deleted:
    after their unconfirmed sign-ups expire (PRIV-08) or flagged ones are discarded.
    `among` limits it to these supporter ids, as a DELETE … RETURNING of signatures
    gives them (None, an erased signer, is passed over); without it, everyone is
    looked at.

    The rule: a supporter is kept while they hold a signature, confirmed or not. Nothing
    else keeps them today: their alert subscriptions, consent records and deliveries
    exist because of a sign-up and go with them (the deliveries as anonymous rows, as in
    `erase`). When people can join a local group, or subscribe to alerts without
    signing, that membership or stand-alone subscription keeps them too: add it to
    `_still_needed`. (A subscription made on the sign form must not: it would outlive
    the discarded sign-up whose consent record goes with it.)

    Nobody is suppressed: they did not ask us to stop, and may sign again.
    """
    if among is None:
        among = list(db.session.scalars(db.select(Supporter.id).where(~_still_needed())))
    ids = sorted({supporter_id for supporter_id in among if supporter_id is not None})
    return sum(
        _delete_if_orphans(ids[start : start + ORPHAN_BATCH])
        for start in range(0, len(ids), ORPHAN_BATCH)
    )


def _delete_if_orphans(ids: list[int]) -> int:
    """Lock those of `ids` nothing needs, passing over anyone a sign-up is writing to
    right now, then look again: a signature committed meanwhile is seen, and its signer
    kept. (PostgreSQL; SQLite has one writer at a time, and no FOR UPDATE.)"""
    orphans = db.select(Supporter.id).where(Supporter.id.in_(ids), ~_still_needed())
    locked = list(db.session.scalars(orphans.with_for_update(skip_locked=True)))
    if not locked:
        return 0
    still = list(db.session.scalars(orphans.where(Supporter.id.in_(locked))))
    _delete_supporters(still)
    return len(still)


def _delete_supporters(ids: list[int]) -> None:
    """Delete these supporters and what cascades from them (consent records, alert
    subscriptions), keeping their delivery rows as anonymous counts (see `erase`)."""
    if not ids:
        return
    db.session.execute(
        update(Delivery)
        .where(Delivery.supporter_id.in_(ids))
        .values(
            supporter_id=None,
            last_error="",
            status=case(
                (Delivery.status.in_(("queued", "sending")), "skipped"), else_=Delivery.status
            ),
            claim_token=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Supporter).where(Supporter.id.in_(ids)))
    db.session.expire_all()  # what the bulk statements changed is read again when used
