"""The pledge emails: confirm your signature; you already signed."""

from __future__ import annotations

from flask import current_app

from campaign.deliveries.kinds import register_kind
from campaign.deliveries.models import Delivery
from campaign.email import Draft
from campaign.extensions import db
from campaign.links import site_url
from campaign.pledges.links import confirm_url
from campaign.pledges.models import Signature
from campaign.supporters.links import manage_url


def _pledge_email(delivery: Delivery, *, template: str, subject: str) -> Draft | None:
    signature = db.session.get(Signature, delivery.source_id)
    if signature is None or signature.supporter is None:  # erased or expired since queued
        return None
    pledge = signature.pledge
    supporter = signature.supporter
    return Draft(
        template,
        to=supporter.email,
        to_name=supporter.name,
        subject=subject,
        signature=signature,
        pledge=pledge,
        name=supporter.name,
        manage_url=manage_url(supporter),
        confirm_url=confirm_url(signature),
        pledge_url=site_url("pledges.pledge", slug=pledge.slug),
        privacy_url=site_url("pages.privacy"),
        max_age_days=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 86400,
    )


def render_confirm(delivery: Delivery) -> Draft | None:
    return _pledge_email(delivery, template="pledges/email/confirm", subject="Confirm your pledge")


def render_already_signed(delivery: Delivery) -> Draft | None:
    return _pledge_email(
        delivery,
        template="pledges/email/already_signed",
        subject="You have already signed this pledge",
    )


register_kind("confirm_signature", stream="transactional", render=render_confirm)
register_kind("already_signed", stream="transactional", render=render_already_signed)
