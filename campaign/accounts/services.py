"""Account rules. Every function takes the acting user (`actor`, None for the CLI),
writes into the caller's transaction and audits itself; none commits."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from campaign.accounts import sessions, totp
from campaign.accounts.models import Invitation, PasswordReset, User
from campaign.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from campaign.accounts.roles import ADMIN, ROLES
from campaign.audit import record
from campaign.deliveries.services import queue_delivery
from campaign.extensions import db
from campaign.timeutil import as_utc, utcnow


class AccountError(Exception):
    """A request the rules refuse; the message is fit to show the person."""


class WeakPassword(AccountError):
    pass


class EmailTaken(AccountError):
    pass


class InvitationUnusable(AccountError):
    pass


def normalise_email(address: str) -> str:
    return address.strip().lower()


def user_by_email(address: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(address)))


def check_password(password: str, *, email: str, name: str) -> None:
    problem = password_problem(password, user_inputs=[email, name])
    if problem:
        raise WeakPassword(problem)


# --- creating accounts -----------------------------------------------------------------


def create_admin(*, actor: User | None, email: str, name: str, password: str) -> User:
    """The first admin (or another, from the command line). Enrolment of the
    authenticator happens at their first sign-in."""
    email = normalise_email(email)
    check_password(password, email=email, name=name)
    if user_by_email(email) is not None:
        raise EmailTaken("There is already an account with that email address.")
    user = User(email=email, name=name, role=ADMIN, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record(actor=actor, action="account.create_admin", target=f"user:{user.id}")
    return user


def invite(*, actor: User, email: str, role: str) -> Invitation:
    """Queue an invitation email. Whether or not the address already has an account,
    the admin sees the same answer; the email itself tells an existing account holder
    to sign in instead (SEC-12)."""
    if role not in ROLES:
        raise AccountError("Choose a role.")
    email = normalise_email(email)
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    invitation = Invitation(email=email, role=role, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    queue_delivery(kind="account_invite", source_id=invitation.id, supporter_id=None)
    record(
        actor=actor,
        action="account.invite",
        target=f"invitation:{invitation.id}",
        detail={"role": role},
    )
    return invitation


def invitation_is_open(invitation: Invitation) -> bool:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return False
    age = (utcnow() - as_utc(invitation.created_at)).total_seconds()
    return age <= int(current_app.config["INVITE_MAX_AGE"])


def accept_invitation(*, invitation: Invitation, name: str, password: str) -> User:
    """Create the invited account with its password; the authenticator comes next."""
    if not invitation_is_open(invitation):
        raise InvitationUnusable("This invitation has been used, withdrawn or has expired.")
    if user_by_email(invitation.email) is not None:
        raise EmailTaken("You already have an account: sign in, or reset your password.")
    check_password(password, email=invitation.email, name=name)
    used = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationUnusable("This invitation has been used already.")
    user = User(
        email=invitation.email,
        name=name,
        role=invitation.role,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise EmailTaken("You already have an account: sign in, or reset your password.") from exc
    record(actor=user, action="account.invitation_accepted", target=f"invitation:{invitation.id}")
    return user


# --- signing in ------------------------------------------------------------------------


def check_credentials(*, email: str, password: str) -> User | None:
    """The account these credentials open, or None. Unknown addresses get a dummy hash
    check, disabled accounts the same answer as a wrong password (SEC-12). Hashes made
    with older parameters are upgraded now, while we hold the password (SEC-08)."""
    user = user_by_email(email)
    stored = user.password_hash if user is not None else None
    if not verify_password(stored, password) or user is None or not user.active:
        record(
            actor=user,
            action="login.failed",
            target=f"user:{user.id}" if user else "",
            detail={"step": "password"},
        )
        return None
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_second_factor(*, user: User, code: str) -> bool:
    if user.active and totp.use_second_factor(user, code):
        return True
    record(actor=user, action="login.failed", target=f"user:{user.id}", detail={"step": "code"})
    return False


def signed_in(*, user: User, method: str = "password+totp") -> None:
    record(
        actor=user, action="login.succeeded", target=f"user:{user.id}", detail={"method": method}
    )


def begin_enrolment(user: User) -> str:
    """A fresh secret for the authenticator; it replaces the current one only once a
    code from it has been entered (`totp.confirm_pending_secret`)."""
    user.pending_totp_secret = totp.new_secret()
    db.session.flush()
    return user.pending_totp_secret


def finish_enrolment(*, user: User, code: str) -> list[str] | None:
    """Confirm the new authenticator; returns the new recovery codes, or None if the code
    was wrong."""
    first = user.totp_secret is None
    if not totp.confirm_pending_secret(user, code):
        return None
    record(
        actor=user,
        action="account.totp_enrolled" if first else "account.totp_changed",
        target=f"user:{user.id}",
    )
    return totp.new_recovery_codes(user)


# --- changes to one's own account ------------------------------------------------------


def set_password(*, actor: User | None, user: User, password: str, via: str) -> None:
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    record(
        actor=actor,
        action="account.password_changed",
        target=f"user:{user.id}",
        detail={"via": via},
    )


def change_email(*, actor: User, new_email: str) -> None:
    new_email = normalise_email(new_email)
    if new_email == actor.email:
        return
    if user_by_email(new_email) is not None:
        raise EmailTaken("That address belongs to another account.")
    record(actor=actor, action="account.email_changed", target=f"user:{actor.id}")
    actor.email = new_email
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise EmailTaken("That address belongs to another account.") from exc


def new_recovery_codes(*, actor: User) -> list[str]:
    record(actor=actor, action="account.recovery_codes_replaced", target=f"user:{actor.id}")
    return totp.new_recovery_codes(actor)


# --- password reset --------------------------------------------------------------------


def request_password_reset(*, email: str) -> PasswordReset | None:
    """Queue a reset email if the address has an active account; the caller answers the
    same either way (SEC-12)."""
    user = user_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return None
    reset = PasswordReset(user_id=user.id)
    db.session.add(reset)
    db.session.flush()
    queue_delivery(kind="password_reset", source_id=reset.id, supporter_id=None)
    record(actor=None, action="account.password_reset_requested", target=f"user:{user.id}")
    return reset


def reset_is_open(reset: PasswordReset) -> bool:
    if reset.used_at is not None:
        return False
    made = as_utc(reset.created_at)
    age = (utcnow() - made).total_seconds()
    return age <= int(current_app.config["RESET_MAX_AGE"]) and made >= as_utc(
        reset.user.password_changed_at
    )


def reset_password(*, reset: PasswordReset, password: str) -> User:
    if not reset_is_open(reset) or not reset.user.active:
        raise InvitationUnusable("This link has been used or has expired.")
    user = reset.user
    set_password(actor=user, user=user, password=password, via="reset link")
    reset.used_at = utcnow()
    sessions.end_all_sessions(user)
    return user


# --- managing other accounts (admins) --------------------------------------------------


def _active_admins() -> int:
    return len(db.session.scalars(db.select(User.id).filter_by(role=ADMIN, active=True)).all())


def change_role(*, actor: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError("Choose a role.")
    if user.id == actor.id:
        raise AccountError("You cannot change your own role. Ask another admin.")
    if user.role == role:
        return
    record(
        actor=actor,
        action="account.role_changed",
        target=f"user:{user.id}",
        detail={"from": user.role, "to": role},
    )
    user.role = role  # the guard reads the role on every request: it applies at once


def set_active(*, actor: User, user: User, active: bool) -> None:
    if user.id == actor.id:
        raise AccountError("You cannot disable your own account.")
    if user.active == active:
        return
    if not active and user.role == ADMIN and _active_admins() <= 1:
        raise AccountError("This is the last active admin account.")
    user.active = active
    if not active:
        sessions.end_all_sessions(user)
    record(
        actor=actor,
        action="account.enabled" if active else "account.disabled",
        target=f"user:{user.id}",
    )


def reset_authenticator(*, actor: User, user: User) -> None:
    """For someone who has lost both their authenticator and their recovery codes: both
    stop working, their sessions end, and at their next sign-in their password leads to
    setting up a new authenticator, as at their first."""
    if user.id == actor.id:
        raise AccountError(
            "This is your own account: move to a new authenticator in your account settings."
        )
    user.totp_secret = None
    user.pending_totp_secret = None
    user.enrolled_at = None
    totp.remove_recovery_codes(user)
    sessions.end_all_sessions(user)
    record(actor=actor, action="account.totp_reset", target=f"user:{user.id}")


def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record(
            actor=actor, action="account.invitation_revoked", target=f"invitation:{invitation.id}"
        )


def reauthenticate(*, user: User, password: str, code: str) -> bool:
    """Password, then (only if it is right, so no code is spent on a wrong one) a code."""
    ok = verify_password(user.password_hash, password) and totp.use_second_factor(user, code)
    record(
        actor=user,
        action="reauth.succeeded" if ok else "reauth.failed",
        target=f"user:{user.id}",
    )
    return ok
