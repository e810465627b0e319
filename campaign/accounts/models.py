from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.roles import ROLES
from campaign.extensions import Model
from campaign.timeutil import utcnow


class User(Model):
    """An organiser, admin or group coordinator.

    The account can sign in only once it has a password and a confirmed TOTP secret
    (`totp_secret`); until then a correct password leads to enrolment, nothing else.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code from that step or earlier is refused, so
    # a code cannot be used twice (SEC-10).
    totp_last_step: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint(column("role").in_(ROLES), name="role_choice"),)

    # Flask-Login: the session cookie names an AccountSession, not the user (see sessions.py).
    session_key: str = ""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_key

    @property
    def enrolled(self) -> bool:
        return self.totp_secret is not None


class AccountSession(Model):
    """One signed-in browser. The cookie holds a random key; only its hash is stored, so
    ending a session here (logout, disabling, timeouts) ends it wherever the cookie is."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    reauthenticated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_account_session_user", "user_id", "ended_at"),)


class RecoveryCode(Model):
    """One single-use code for when the authenticator is lost; only a hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_recovery_code_user", "user_id"),)


class Invitation(Model):
    """An emailed invitation to create an account. The link is signed, expires, and works
    once (`accepted_at`); a newer invitation to the same address revokes older ones."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(12))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    invited_by: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_invitation_email", "email"),
        CheckConstraint(column("role").in_(ROLES), name="role_choice"),
    )


class PasswordReset(Model):
    """A password-reset email. Its link works once, for a short time, and not at all
    after the password changes some other way."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()
