"""Signed-in sessions (SEC-13) and re-authentication (SEC-14).

The session cookie holds a random key naming an AccountSession row; the row decides
whether the session is alive. So a session can be ended from the server (logout,
disabling the account, a password change) and a copied cookie dies with it. Idle and
absolute time-outs are checked on every request that asks who is signed in.

Every admin and account page asks, so the row is read once per request (kept on
`flask.g`) and written only when there is something new to note: note_activity(), run
before every request of the account pages and of every protected blueprint
(access.protect), is the one place that does.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from campaign.accounts.models import AccountSession, User
from campaign.extensions import db, login_manager
from campaign.timeutil import as_utc, utcnow

TOUCH_EVERY = timedelta(minutes=1)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["ACCOUNT_IDLE_MINUTES"]))


def absolute_limit() -> timedelta:
    return timedelta(hours=int(current_app.config["ACCOUNT_ABSOLUTE_HOURS"]))


def _remember(key_hash: str, row: AccountSession | None) -> AccountSession | None:
    g.account_session = (key_hash, row)
    return row


@login_manager.user_loader
def load_user(key: str) -> User | None:
    key_hash = _key_hash(key)
    row = _remember(
        key_hash,
        db.session.scalar(
            db.select(AccountSession)
            .filter_by(key_hash=key_hash)
            .options(joinedload(AccountSession.user))
        ),
    )
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
    """This request's session row: the one load_user read, else read now."""
    if not user.session_key:
        return None
    key_hash = _key_hash(user.session_key)
    remembered = g.get("account_session")
    if remembered is not None and remembered[0] == key_hash:
        row: AccountSession | None = remembered[1]
        return row
    return _remember(
        key_hash, db.session.scalar(db.select(AccountSession).filter_by(key_hash=key_hash))
    )


def start_session(user: User) -> AccountSession:
    """A brand-new session: whatever the browser's session held before is dropped."""
    session.clear()
    key = secrets.token_urlsafe(32)
    row = AccountSession(key_hash=_key_hash(key), user_id=user.id)
    db.session.add(row)
    db.session.flush()
    _remember(row.key_hash, row)
    user.session_key = key
    user.last_login_at = utcnow()
    login_user(user)
    return row


def note_activity() -> None:
    """Note that the signed-in person is active, for the idle time-out, once it is a
    minute or more since it was last noted, and commit that at once, ahead of whatever
    the request goes on to do. Noted up to a minute late, a session can only end that
    much sooner than the idle limit, never later."""
    if not current_user.is_authenticated:
        return
    row = current_session(current_user)
    now = utcnow()
    if row is None or now - as_utc(row.last_seen_at) < TOUCH_EVERY:
        return
    row.last_seen_at = now
    db.session.commit()


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
