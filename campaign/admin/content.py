"""Sectors and pledges: creating and editing them, with every change audited.

Changing what a pledge says (its title or statement) makes a new wording version; the
words of each version are kept (PledgeWording), and consent records name the version
each person signed (PRIV-03), so what someone agreed to can always be shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import User
from campaign.audit import record
from campaign.extensions import db, rows_affected
from campaign.pledges.models import Pledge, PledgeWording, Sector


class SlugTaken(Exception):
    """Another sector or pledge already has this address."""


class WordingChanged(Exception):
    """Someone else saved new words for this pledge after it was read for this change."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this pledge’s wording while you were editing it. Their "
            "version is in the wording history below: check it, then save yours again."
        )


def _flush_unique() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise SlugTaken("That address is already used: choose another.") from exc


def create_sector(*, actor: User, slug: str, name: str, description: str, position: int) -> Sector:
    sector = Sector(slug=slug, name=name, description=description, position=position)
    db.session.add(sector)
    _flush_unique()
    record(actor=actor, action="sector.create", target=f"sector:{sector.id}", detail={"slug": slug})
    return sector


def update_sector(*, actor: User, sector: Sector, **values: Any) -> list[str]:
    changed = _apply(sector, values)
    if changed:
        db.session.flush()
        record(actor=actor, action="sector.update", target=f"sector:{sector.id}", detail=changed)
    return sorted(changed)


def create_pledge(
    *,
    actor: User,
    sector: Sector,
    slug: str,
    title: str,
    statement: str,
    target: int,
    is_open: bool,
    position: int,
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


def update_pledge(*, actor: User, pledge: Pledge, **values: Any) -> list[str]:
    """Apply the changed values; a new title or statement is a new wording version."""
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


def set_open(*, actor: User, pledge: Pledge, is_open: bool) -> None:
    update_pledge(actor=actor, pledge=pledge, is_open=is_open)


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


def wordings(pledge: Pledge) -> list[PledgeWording]:
    return list(
        db.session.scalars(
            db.select(PledgeWording)
            .filter_by(pledge_id=pledge.id)
            .order_by(PledgeWording.version.desc())
        )
    )
