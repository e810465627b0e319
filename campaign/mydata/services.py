"""Preferences, export and erasure; each change of consent is recorded (PRIV-03)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, update

from campaign.deliveries.models import Delivery
from campaign.deliveries.services import queue_delivery
from campaign.extensions import db
from campaign.pledges.consent import CONSENT_VERSION, UPDATES_CONSENT, alerts_consent
from campaign.pledges.models import DISPLAYS, Sector, Signature
from campaign.supporters.models import FREQUENCIES, AlertSubscription, Supporter
from campaign.supporters.services import record_consent, supporter_by_email, suppress
from campaign.timeutil import utcnow

MANAGE_LINKS_PER_DAY = 3


def request_manage_link(email: str) -> None:
    """Queue a manage-your-data link if the address is known; the caller shows the same
    page either way, so the form reveals nothing about who has signed."""
    supporter = supporter_by_email(email)
    if supporter is None:
        return
    since = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = list(
        db.session.scalars(
            db.select(Delivery.created_at).where(
                Delivery.kind == "manage_link", Delivery.supporter_id == supporter.id
            )
        )
    )
    if sum(1 for at in earlier if at >= since) < MANAGE_LINKS_PER_DAY:
        queue_delivery(
            kind="manage_link", source_id=supporter.id, supporter_id=supporter.id, seq=len(earlier)
        )


def _set_updates(supporter: Supporter, wanted: bool, *, channel: str) -> bool:
    """Campaign updates on or off, with its consent record; False if nothing changed."""
    if supporter.wants_updates == wanted:
        return False
    supporter.wants_updates = wanted
    record_consent(
        supporter=supporter,
        purpose="updates",
        granted=wanted,
        wording_version=CONSENT_VERSION,
        text=UPDATES_CONSENT,
        channel=channel,
    )
    return True


def _record_alerts(supporter: Supporter, sector: Sector, wanted: bool, *, channel: str) -> None:
    record_consent(
        supporter=supporter,
        purpose=f"alerts:{sector.slug}",
        granted=wanted,
        wording_version=CONSENT_VERSION,
        text=alerts_consent(sector.name),
        channel=channel,
    )


def update_preferences(
    *,
    supporter: Supporter,
    wants_updates: bool,
    alert_sector_ids: set[int],
    frequency: str,
    display: dict[int, str],
) -> list[str]:
    """Apply the choices from the manage page; returns what changed, for the message."""
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    channel = "manage page"
    changed = (
        ["campaign updates"] if _set_updates(supporter, wants_updates, channel=channel) else []
    )

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
        _record_alerts(supporter, sector, wanted, channel=channel)
        changed.append(f"alerts for {sector.name.lower()}")

    for signature in signatures_of(supporter):
        choice = display.get(signature.id, signature.display)
        if choice != signature.display and choice in DISPLAYS:
            signature.display = choice
            changed.append(f"what is shown for “{signature.pledge.title}”")
    keep(supporter)  # acting on the manage page answers "do you want to stay?"
    return changed


def signatures_of(supporter: Supporter) -> list[Signature]:
    return list(
        db.session.scalars(
            db.select(Signature)
            .where(Signature.supporter_id == supporter.id)
            .order_by(Signature.id)
        )
    )


def erase(supporter: Supporter) -> None:
    """Delete everything that identifies the person (PRIV-07). Confirmed signatures stay
    as anonymous rows so the public counts don't change; the address survives only as the
    keyed hash on the suppression list, so we never email it again."""
    for signature in signatures_of(supporter):
        if signature.confirmed_at is None:
            db.session.delete(signature)
    db.session.flush()
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
    db.session.execute(delete(Delivery).where(Delivery.supporter_id == supporter.id))
    db.session.delete(supporter)
    db.session.flush()


def unsubscribe(supporter: Supporter, stream: str) -> None:
    """One-click unsubscribe from a stream; recorded as withdrawn consent."""
    channel = "unsubscribe link"
    if stream == "campaign":
        _set_updates(supporter, False, channel=channel)
    if stream == "alerts":
        for subscription in list(supporter.alert_subscriptions):
            supporter.alert_subscriptions.remove(subscription)
            sector = db.session.get(Sector, subscription.sector_id)
            if sector is not None:
                _record_alerts(supporter, sector, False, channel=channel)
    db.session.flush()


def keep(supporter: Supporter) -> None:
    """The supporter answered "keep me": active again, no longer due for deletion."""
    supporter.last_active_at = utcnow()
    supporter.reconfirm_requested_at = None
    db.session.flush()


def ask_inactive_to_reconfirm(*, inactive_for: timedelta, limit: int = 1000) -> int:
    """Queue "do you want to stay?" to supporters silent for `inactive_for` (PRIV-08)."""
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
    """Erase supporters who were asked to re-confirm and did not answer in time."""
    cutoff = utcnow() - grace
    silent = list(
        db.session.scalars(db.select(Supporter).where(Supporter.reconfirm_requested_at < cutoff))
    )
    for supporter in silent:
        erase(supporter)
    return len(silent)
