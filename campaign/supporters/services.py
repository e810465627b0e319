from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from sqlalchemy import insert

from campaign.extensions import db, dialect_insert
from campaign.supporters.models import ConsentRecord, Supporter, Suppression
from campaign.timeutil import utcnow

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
# Reasons that stop even transactional mail: the address does not work or complained.
HARD_SUPPRESSION = {"bounced", "complaint"}


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


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def supporter_by_email(address: str) -> Supporter | None:
    return db.session.scalar(db.select(Supporter).filter_by(email_hash=email_hash(address)))


def record_consent(
    *,
    supporter: Supporter,
    purpose: str,
    granted: bool,
    wording_version: str,
    text: str,
    channel: str,
    signature_id: int | None = None,
) -> ConsentRecord:
    record = ConsentRecord(
        **consent_row(
            supporter_id=supporter.id,
            purpose=purpose,
            granted=granted,
            wording_version=wording_version,
            text=text,
            channel=channel,
            signature_id=signature_id,
        )
    )
    db.session.add(record)
    return record


def consent_row(
    *,
    supporter_id: int,
    purpose: str,
    granted: bool,
    wording_version: str,
    text: str,
    channel: str,
    signature_id: int | None = None,
) -> dict[str, Any]:
    """One consent record's values, for `record_consents`: the text itself is kept only
    as its hash (PRIV-03)."""
    return {
        "supporter_id": supporter_id,
        "signature_id": signature_id,
        "purpose": purpose,
        "granted": granted,
        "wording_version": wording_version,
        "text_hash": text_hash(text),
        "channel": channel,
        "at": utcnow(),
    }


def record_consents(rows: list[dict[str, Any]]) -> None:
    """Append several consent records in one statement."""
    if rows:
        db.session.execute(insert(ConsentRecord), rows)


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
