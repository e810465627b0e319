"""The link that confirms a signature: made for the confirmation email, read by the
confirm page. It works for CONFIRM_TOKEN_MAX_AGE seconds; an unconfirmed sign-up is
deleted after that anyway."""

from __future__ import annotations

from flask import current_app

from campaign.links import Link, site_url
from campaign.pledges.models import Signature

CONFIRM = Link("confirm", max_age=lambda: int(current_app.config["CONFIRM_TOKEN_MAX_AGE"]))


def confirm_url(signature: Signature) -> str:
    return site_url("pledges.confirm", token=CONFIRM.token(signature.id))


def signature_from_link(token: str) -> Signature:
    """The signature a confirm link names. Raises BadLink."""
    return CONFIRM.load(Signature, token)
