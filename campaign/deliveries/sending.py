"""Workers send queued deliveries in small claimed batches.

A worker claims a batch (status `sending`, its own random `claim_token`) and holds it
on a short lease (MAIL_CLAIM_LEASE_SECONDS): between messages it renews the lease of
the rows it has left once a third of it has passed. A row is marked `sent` right after
the relay accepts it, each in its own commit. A worker that dies stops renewing, so
within one lease its rows can be claimed by any other worker (every claim takes
lapsed rows along with queued ones); the sweep schedules a send for the moment the
next claim lapses. Only the row that was in the relay's hands when the worker died can
go twice (REL-03). A worker that was only slow and lost its lease finds its token gone
from the rows and leaves them to their new owner.

The lease is compared with the clocks of other worker hosts: keep them in sync (NTP).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, update

from campaign.deliveries.kinds import KINDS
from campaign.deliveries.models import Delivery
from campaign.email import Transport, envelope_sender, open_transport
from campaign.extensions import db
from campaign.supporters.models import Supporter
from campaign.supporters.services import is_suppressed, suppress
from campaign.timeutil import as_utc, utcnow
from campaign.tokens import make_token

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["MAIL_CLAIM_LEASE_SECONDS"]))


@dataclass
class Claim:
    """Rows leased to this worker: theirs while the lease is renewed in time."""

    token: str
    ids: list[int]
    renewed: float  # time.monotonic() when the lease was last taken or renewed

    def keep(self, ids: list[int]) -> None:
        """Renew the lease of `ids` once a third of it has passed. A row another worker
        has taken meanwhile keeps its new owner's token and is not renewed."""
        if time.monotonic() - self.renewed < _lease().total_seconds() / 3:
            return
        self.renewed = time.monotonic()
        db.session.execute(update(Delivery).where(*self._mine(ids)).values(claimed_at=utcnow()))
        db.session.commit()

    def _mine(self, ids: list[int]) -> tuple[ColumnElement[bool], ...]:
        return (
            Delivery.id.in_(ids),
            Delivery.status == "sending",
            Delivery.claim_token == self.token,
        )

    def holds(self, delivery: Delivery) -> bool:
        return delivery.status == "sending" and delivery.claim_token == self.token

    def give_back(self, ids: list[int]) -> None:
        """Return unsent rows to the queue at once (the relay is unwell)."""
        if not ids:
            return
        db.session.execute(
            update(Delivery)
            .where(*self._mine(ids))
            .values(status="queued", claimed_at=None, claim_token=None)
        )
        db.session.commit()


def claim_batch(limit: int) -> Claim:
    """Atomically lease up to `limit` rows to this worker: rows that are due, and rows
    whose lease has lapsed (their worker died, or is stuck on the relay).

    Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED):
    PostgreSQL may run such a subquery again for each row it updates, skipping the
    rows it has just updated, and so claim the whole queue instead of one batch."""
    now = utcnow()
    claimable = or_(
        and_(Delivery.status == "queued", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "sending", Delivery.claimed_at < now - _lease()),
    )
    due = db.select(Delivery.id).where(claimable).order_by(Delivery.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)  # held until the commit below
    token = secrets.token_hex(16)
    renewed = time.monotonic()
    ids: list[int] = []
    candidates = list(db.session.scalars(due))
    if candidates:
        # Claimable is checked again: on SQLite another worker may have come first.
        ids = list(
            db.session.scalars(
                update(Delivery)
                .where(Delivery.id.in_(candidates), claimable)
                .values(status="sending", claimed_at=now, claim_token=token)
                .returning(Delivery.id)
            )
        )
    db.session.commit()
    return Claim(token=token, ids=sorted(ids), renewed=renewed)


def seconds_until_a_claim_lapses() -> float | None:
    """How long until the oldest held lease lapses (None: no row is claimed). The sweep
    uses it to come back for the rows of a worker that died, as soon as they are free."""
    oldest = db.session.scalar(
        db.select(func.min(Delivery.claimed_at)).where(Delivery.status == "sending")
    )
    if oldest is None:
        return None
    return max(0.0, (as_utc(oldest) + _lease() - utcnow()).total_seconds())


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
        # Not flushed until the outcome is known: no write, and so no SQLite lock that
        # would stop sign-ups, is held while the relay takes its time.
        with db.session.no_autoflush:
            suppressed = supporter is not None and is_suppressed(supporter, stream=delivery.stream)
            outgoing = None if suppressed or kind is None else kind.build(delivery)
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
            claim = claim_batch(batch_size)
            if not claim.ids:
                break
            for index, delivery_id in enumerate(claim.ids):
                claim.keep(claim.ids[index:])
                delivery = db.session.get(Delivery, delivery_id)
                if delivery is None or not claim.holds(delivery):
                    continue  # done meanwhile, or taken over after this worker was too slow
                try:
                    send_one(delivery, transport, report)
                except (smtplib.SMTPException, OSError):
                    # The relay is unwell: give the rest of this batch back and stop.
                    claim.give_back(claim.ids[index + 1 :])
                    log.warning(
                        "Mail relay error; %d deliveries wait for retry", len(claim.ids) - index
                    )
                    return report
    finally:
        transport.close()
    return report
