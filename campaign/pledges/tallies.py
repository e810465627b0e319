"""Sharded counters: cheap to add to under load, cheap to read (see models.Tally)."""

from __future__ import annotations

import random

from flask import current_app
from sqlalchemy import delete, func, insert, literal, select, text

from campaign.extensions import db, dialect_insert
from campaign.pledges.models import Signature, Tally


def _upsert_add(*, kind: str, pledge_id: int, key: str, amount: int) -> None:
    shard = random.randrange(current_app.config["COUNT_SHARDS"])  # noqa: S311 - spreading load, not security
    statement = dialect_insert(Tally).values(
        kind=kind, pledge_id=pledge_id, key=key, shard=shard, count=amount
    )
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "pledge_id", "key", "shard"],
        set_={"count": Tally.count + amount},
    )
    db.session.execute(statement)


def add_signature(signature: Signature, *, amount: int = 1) -> None:
    """Count (or with amount=-1, uncount) a confirmed signature in every tally."""
    assert signature.confirmed_at is not None
    day = signature.confirmed_at.date().isoformat()
    for kind, key in (("total", ""), ("area", signature.area_code), ("day", day)):
        _upsert_add(kind=kind, pledge_id=signature.pledge_id, key=key, amount=amount)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def reconcile() -> None:
    """Recompute every tally exactly from the signatures (one shard per key)."""
    counted = (Signature.confirmed_at.is_not(None)) & (Signature.flagged.is_(False))
    if _is_postgresql():
        # Hold off concurrent confirmations for the moment the tallies are rebuilt.
        db.session.execute(text("LOCK TABLE tally IN EXCLUSIVE MODE"))
        day = func.to_char(func.timezone("UTC", Signature.confirmed_at), "YYYY-MM-DD")
    else:  # SQLite stores the UTC timestamp as text: its first ten characters are the day
        day = func.substr(Signature.confirmed_at, 1, 10)
    db.session.execute(delete(Tally))
    for kind, key in (("total", literal("")), ("area", Signature.area_code), ("day", day)):
        rows = (
            select(literal(kind), Signature.pledge_id, key, literal(0), func.count())
            .where(counted)
            .group_by(Signature.pledge_id, key)
        )
        db.session.execute(
            insert(Tally).from_select(["kind", "pledge_id", "key", "shard", "count"], rows)
        )
    db.session.flush()
