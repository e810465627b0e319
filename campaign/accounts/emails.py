"""Account emails: invitations and password resets. Both are Delivery rows like every
other message; the row's source is the Invitation or PasswordReset."""

from __future__ import annotations

from typing import Any

from flask import current_app

from campaign.accounts.links import invitation_url, reset_url
from campaign.accounts.models import Invitation, PasswordReset, User
from campaign.accounts.roles import ROLE_NAMES
from campaign.deliveries.kinds import register_kind
from campaign.deliveries.models import Delivery
from campaign.email import Draft
from campaign.extensions import db
from campaign.links import site_url


def render_invite(delivery: Delivery) -> Draft | None:
    invitation = db.session.get(Invitation, delivery.source_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None  # withdrawn or replaced since it was queued
    existing = db.session.scalar(db.select(User).filter_by(email=invitation.email))
    inviter = invitation.invited_by
    common: dict[str, Any] = {
        "to": invitation.email,
        "inviter": (inviter.name or inviter.email) if inviter else "An admin",
        "role_name": ROLE_NAMES.get(invitation.role, invitation.role),
        "login_url": site_url("accounts.login"),
        "reset_url": site_url("accounts.request_reset"),
    }
    if existing is not None:
        # Same answer to the admin either way; only the address's owner learns this.
        return Draft(
            "accounts/email/invite_existing",
            subject=f"You already have an account with {current_app.config['ORG_NAME']}",
            **common,
        )
    hours = int(current_app.config["INVITE_MAX_AGE"]) // 3600
    return Draft(
        "accounts/email/invite",
        subject=f"You're invited to help run {current_app.config['ORG_NAME']}",
        invite_url=invitation_url(invitation),
        max_age_hours=hours,
        **common,
    )


def render_reset(delivery: Delivery) -> Draft | None:
    reset = db.session.get(PasswordReset, delivery.source_id)
    if reset is None or reset.used_at is not None or not reset.user.active:
        return None
    return Draft(
        "accounts/email/reset",
        to=reset.user.email,
        to_name=reset.user.name,
        subject="Reset your password",
        name=reset.user.name,
        reset_url=reset_url(reset),
        max_age_minutes=int(current_app.config["RESET_MAX_AGE"]) // 60,
    )


register_kind("account_invite", stream="transactional", render=render_invite)
register_kind("password_reset", stream="transactional", render=render_reset)
