"""Signed-in sessions (SEC-13) and re-authentication (SEC-14).

The session cookie holds a random key naming an AccountSession row; the row decides
whether the session is alive. So a session can be ended from the server (logout,
disabling the account, a password change) and a copied cookie dies with it. Idle and
absolute time-outs are checked on every request that asks who is signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import update

from campaign.accounts.models import AccountSession, User
from campaign.extensions import db, login_manager
from campaign.timeutil import as_utc, utcnow


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["ACCOUNT_IDLE_MINUTES"]))


def absolute_limit() -> timedelta:
    return timedelta(hours=int(current_app.config["ACCOUNT_ABSOLUTE_HOURS"]))


@login_manager.user_loader
def load_user(key: str) -> User | None:
    row = db.session.scalar(db.select(AccountSession).filter_by(key_hash=_key_hash(key)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if now - as_utc(row.created_at) > absolute_limit():
        return None
    if now - as_utc(row.last_seen_at) > idle_limit():
        return None
    user = row.user
    if not user.active or not user.enrolled:
        return None
    user.session_key = key
    return user


def current_session(user: User) -> AccountSession | None:
    if not user.session_key:
        return None
    return db.session.scalar(
        db.select(AccountSession).filter_by(key_hash=_key_hash(user.session_key))
    )


def start_session(user: User) -> AccountSession:
    """A brand-new session: whatever the browser's session held before is dropped."""
    session.clear()
    key = secrets.token_urlsafe(32)
    row = AccountSession(key_hash=_key_hash(key), user_id=user.id)
    db.session.add(row)
    db.session.flush()
    user.session_key = key
    user.last_login_at = utcnow()
    login_user(user)
    return row


def touch(user: User) -> None:
    """Note activity, for the idle time-out. The caller commits."""
    row = current_session(user)
    if row is not None:
        row.last_seen_at = utcnow()


def end_session(user: User) -> None:
    row = current_session(user)
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
    logout_user()
    session.clear()


def end_all_sessions(user: User, *, except_current: bool = False) -> int:
    """End every session of this account (disabling it, a new password …)."""
    query = update(AccountSession).where(
        AccountSession.user_id == user.id, AccountSession.ended_at.is_(None)
    )
    if except_current and user.session_key:
        query = query.where(AccountSession.key_hash != _key_hash(user.session_key))
    result = db.session.execute(
        query.values(ended_at=utcnow()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_reauthenticated(user: User) -> None:
    row = current_session(user)
    if row is not None:
        row.reauthenticated_at = utcnow()


def recently_authenticated(user: User) -> bool:
    """Password and code entered in this session within the last few minutes."""
    row = current_session(user)
    if row is None:
        return False
    window = timedelta(minutes=int(current_app.config["REAUTH_MINUTES"]))
    return utcnow() - as_utc(row.reauthenticated_at) <= window
