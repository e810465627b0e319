"""TOTP second factor (SEC-10): enrolment QR code, verification without replay, and
single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import update

from campaign.accounts.models import RecoveryCode, User
from campaign.extensions import db
from campaign.timeutil import utcnow

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
TOTP_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["ORG_NAME"]
    )


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG: no style attributes (CSP), no XML prolog."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        border=4,
        dark="#1d2b2a",
        light="#ffffff",
        svgclass="qr",
        lineclass=None,
        title="QR code to scan with your authenticator app",
        omitsize=True,  # a viewBox instead of a fixed size: the stylesheet sizes it
    )
    svg = svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own URI: nothing a user typed


def format_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str) -> int | None:
    """The time step whose code this is (now, or one step either side for clock drift)."""
    code = code.replace(" ", "")
    if not TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step_now = totp.timecode(now)
    for step in (step_now, step_now - 1, step_now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_code(user: User, code: str) -> bool:
    """Accept a current code for the user's confirmed secret, once.

    The conditional UPDATE makes replay impossible even for two requests racing with the
    same code: only one can move `totp_last_step` past that step.
    """
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(user, ["totp_last_step"])
    return True


def confirm_pending_secret(user: User, code: str) -> bool:
    """Enrolment: the code proves the app holds the new secret; it then replaces the old."""
    if user.pending_totp_secret is None:
        return False
    step = matching_step(user.pending_totp_secret, code)
    if step is None:
        return False
    user.totp_secret = user.pending_totp_secret
    user.pending_totp_secret = None
    user.totp_last_step = step  # this code is now used
    user.enrolled_at = utcnow()
    db.session.flush()
    return True


def _recovery_hash(code: str) -> str:
    normalised = re.sub(r"[^a-z0-9]", "", code.lower())
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"recovery:" + normalised.encode(), hashlib.sha256).hexdigest()


def remove_recovery_codes(user: User) -> None:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never kept."""
    remove_recovery_codes(user)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    claimed = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            db.select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def use_second_factor(user: User, code: str) -> bool:
    """A code from the authenticator app, or else one of the recovery codes."""
    code = code.strip()
    if TOTP_CODE.match(code.replace(" ", "")):
        return use_code(user, code)
    return bool(code) and use_recovery_code(user, code)
