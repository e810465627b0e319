"""Reviewing flagged sign-ups (BOT-01): count them after all, or discard them.

Both work on any set of signatures (one, a selection, or every one matching a filter)
and touch only those still flagged, with a conditional statement: two organisers
pressing the button at once count each signature once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, update

from campaign.accounts.models import User
from campaign.audit import record
from campaign.extensions import db
from campaign.pledges import tallies
from campaign.pledges.models import Signature
from campaign.supporters.services import delete_orphans


@dataclass(frozen=True)
class DryRun:
    flagged: int
    confirmed: int  # of which confirmed: these join the public counts if counted


def _flagged_among(ids: Select[Any]) -> Select[Any]:
    return db.select(Signature.id).where(Signature.id.in_(ids), Signature.flagged.is_(True))


def dry_run(ids: Select[Any]) -> DryRun:
    """What a review would touch, without touching it."""
    flagged = _flagged_among(ids).subquery()
    total = db.session.scalar(db.select(func.count()).select_from(flagged)) or 0
    confirmed = (
        db.session.scalar(
            db.select(func.count())
            .select_from(Signature)
            .where(Signature.id.in_(db.select(flagged.c.id)), Signature.confirmed_at.is_not(None))
        )
        or 0
    )
    return DryRun(flagged=int(total), confirmed=int(confirmed))


def count_flagged(*, actor: User, ids: Select[Any], detail: dict[str, Any]) -> int:
    """Unflag: confirmed ones join the tallies now, unconfirmed ones when confirmed.

    One statement unflags them all; if any was confirmed, the tallies are recomputed from
    the signatures in a few set-based statements, however many were counted.
    """
    unflagged = db.session.execute(
        update(Signature)
        .where(Signature.id.in_(_flagged_among(ids).scalar_subquery()))
        .values(flagged=False)
        .returning(Signature.id, Signature.confirmed_at.is_not(None))
        .execution_options(synchronize_session=False)
    ).all()
    if any(confirmed for _, confirmed in unflagged):
        tallies.reconcile()
    signature_ids = [signature_id for signature_id, _ in unflagged]
    record(
        actor=actor,
        action="signatures.count_flagged",
        target=_target(signature_ids),
        detail={**detail, "count": len(signature_ids)},
    )
    return len(signature_ids)


def discard_flagged(*, actor: User, ids: Select[Any], detail: dict[str, Any]) -> int:
    """Delete flagged signatures, and their supporters when nothing else needs them."""
    removed = db.session.execute(
        delete(Signature)
        .where(Signature.id.in_(_flagged_among(ids).scalar_subquery()))
        .returning(Signature.id, Signature.supporter_id)
        .execution_options(synchronize_session=False)
    ).all()
    delete_orphans(among=[supporter_id for _, supporter_id in removed])
    signature_ids = [signature_id for signature_id, _ in removed]
    record(
        actor=actor,
        action="signatures.discard_flagged",
        target=_target(signature_ids),
        detail={**detail, "count": len(signature_ids)},
    )
    db.session.expire_all()
    return len(signature_ids)


def _target(ids: list[int]) -> str:
    if len(ids) == 1:
        return f"signature:{ids[0]}"
    return f"signatures:{len(ids)}"
