"""Workers send queued deliveries in small claimed batches.

A row is claimed (status `sending`) before its message goes out and marked `sent` right
after the relay accepts it, each in its own commit. A worker that dies leaves at most
its in-flight row ambiguous; the sweep returns stale claims to the queue, so nothing is
lost and at most one message per crashed worker can go twice (REL-03).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.email import Transport, envelope_sender, open_transport
from campaign.extensions import db, rows_affected
from campaign.supporters.models import Supporter
from campaign.supporters.services import is_suppressed, suppress
from campaign.timeutil import utcnow
from campaign.tokens import make_token

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def claim_batch(limit: int) -> list[int]:
    """Atomically move up to `limit` due rows from queued to sending; return their ids."""
    now = utcnow()
    due = (
        db.select(Delivery.id)
        .where(Delivery.status == "queued", Delivery.next_attempt_at <= now)
        .order_by(Delivery.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(
        db.session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == "queued")
            .values(status="sending", claimed_at=now)
            .returning(Delivery.id)
        )
    )
    db.session.commit()
    return sorted(ids)


def requeue_stale_claims() -> int:
    """Give back rows claimed by a worker that died before finishing them."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="queued", claimed_at=None)
    )
    db.session.commit()
    return rows_affected(result)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _is_bounce(exc: Exception) -> bool:
    """The relay refused the recipient permanently: the address does not work."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


def _is_permanent(exc: Exception) -> bool:
    """A 5xx on the message itself: sending it again would fail the same way."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _is_bounce(exc)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _bounce_token(delivery: Delivery) -> str:
    """Names the delivery in the envelope sender, opaquely: never the address."""
    return make_token("bounce", delivery.id).replace(".", "=")


def _fail(delivery: Delivery, error: str, report: SendReport, *, status: str = "failed") -> None:
    delivery.status = status
    delivery.last_error = error[:1000]
    report.failed += 1


def send_one(delivery: Delivery, transport: Transport, report: SendReport) -> None:
    """Send one claimed delivery and record the outcome on its row. Raises only when the
    relay itself is unwell (the caller stops the batch); a bad message fails alone."""
    kind = KINDS.get(delivery.kind)
    supporter = db.session.get(Supporter, delivery.supporter_id) if delivery.supporter_id else None
    delivery.attempts += 1
    try:
        suppressed = supporter is not None and is_suppressed(supporter, stream=delivery.stream)
        outgoing = None if suppressed or kind is None else kind.render(delivery)
    except Exception as exc:  # a message that cannot be built must not block the queue
        log.warning("Delivery %s could not be built: %s", delivery.id, type(exc).__name__)
        _fail(delivery, f"could not build the message: {type(exc).__name__}", report)
        db.session.commit()
        return
    if outgoing is None:
        delivery.status = "skipped"
        report.skipped += 1
        db.session.commit()
        return
    outgoing.envelope_from = envelope_sender(delivery.stream, _bounce_token(delivery))
    try:
        transport.send(outgoing)
    except (UnicodeError, ValueError) as exc:  # the message itself can't go over SMTP
        _fail(delivery, f"{type(exc).__name__}: the message cannot be sent", report)
        db.session.commit()
        return
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if _is_bounce(exc):
            _fail(delivery, error, report, status="bounced")
            if supporter is not None:
                suppress(email_hash_value=supporter.email_hash, reason="bounced")
        elif _is_permanent(exc) or delivery.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            _fail(delivery, error, report)
        else:
            delivery.status = "queued"
            delivery.last_error = error[:1000]
            delivery.next_attempt_at = utcnow() + _backoff(delivery.attempts)
            report.retried += 1
        db.session.commit()
        if not _is_permanent(exc):
            raise
        return
    delivery.status = "sent"
    delivery.sent_at = utcnow()
    delivery.last_error = ""
    db.session.commit()
    report.sent += 1


def send_due(*, max_batches: int = 100) -> SendReport:
    """Send everything that is due, batch by batch, over one transport."""
    report = SendReport()
    transport = open_transport()
    batch_size = int(current_app.config["MAIL_BATCH_SIZE"])
    try:
        for _ in range(max_batches):
            ids = claim_batch(batch_size)
            if not ids:
                break
            for index, delivery_id in enumerate(ids):
                delivery = db.session.get(Delivery, delivery_id)
                if delivery is None or delivery.status != "sending":
                    continue
                try:
                    send_one(delivery, transport, report)
                except (smtplib.SMTPException, OSError):
                    # The relay is unwell: give the rest of this batch back and stop.
                    _release(ids[index + 1 :])
                    log.warning("Mail relay error; %d deliveries wait for retry", len(ids) - index)
                    return report
    finally:
        transport.close()
    return report


def _release(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == "sending")
            .values(status="queued", claimed_at=None)
        )
        db.session.commit()
