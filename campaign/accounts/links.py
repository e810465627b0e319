"""The links of account emails: an invitation (INVITE_MAX_AGE) and a password reset
(RESET_MAX_AGE). Each works once: a used, withdrawn or replaced one reads as "used"."""

from __future__ import annotations

from flask import current_app

from campaign.accounts.models import Invitation, PasswordReset
from campaign.accounts.services import invitation_is_open, reset_is_open
from campaign.links import BadLink, Link, site_url

INVITATION = Link("invite", max_age=lambda: int(current_app.config["INVITE_MAX_AGE"]))
RESET = Link("reset", max_age=lambda: int(current_app.config["RESET_MAX_AGE"]))


def invitation_url(invitation: Invitation) -> str:
    return site_url("accounts.accept_invitation", token=INVITATION.token(invitation.id))


def open_invitation(token: str) -> Invitation:
    """The invitation a link names, while it can still be accepted. Raises BadLink."""
    invitation = INVITATION.load(Invitation, token)
    if not invitation_is_open(invitation):
        raise BadLink(INVITATION, "used")
    return invitation


def reset_url(reset: PasswordReset) -> str:
    return site_url("accounts.reset_password", token=RESET.token(reset.id))


def open_reset(token: str) -> PasswordReset:
    """The password reset a link names, while it can still be used. Raises BadLink."""
    reset = RESET.load(PasswordReset, token)
    if not reset_is_open(reset) or not reset.user.active:
        raise BadLink(RESET, "used")
    return reset
