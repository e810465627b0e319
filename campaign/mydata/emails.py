"""The manage-your-data link email, and "do you want to stay?" for inactive supporters."""

from __future__ import annotations

from flask import current_app

from campaign.deliveries.kinds import register_kind
from campaign.deliveries.models import Delivery
from campaign.email import Draft
from campaign.extensions import db
from campaign.links import site_url
from campaign.supporters.links import manage_url, stay_url
from campaign.supporters.models import Supporter


def render_manage_link(delivery: Delivery) -> Draft | None:
    supporter = db.session.get(Supporter, delivery.source_id)
    if supporter is None:
        return None
    return Draft(
        "mydata/email/manage_link",
        to=supporter.email,
        to_name=supporter.name,
        subject="Your link to manage your data",
        name=supporter.name,
        manage_url=manage_url(supporter),
        privacy_url=site_url("pages.privacy"),
        max_age_days=current_app.config["MANAGE_LINK_MAX_AGE"] // 86400,
    )


register_kind("manage_link", stream="transactional", render=render_manage_link)


def render_reconfirm(delivery: Delivery) -> Draft | None:
    supporter = db.session.get(Supporter, delivery.source_id)
    if supporter is None or supporter.reconfirm_requested_at is None:
        return None  # erased, or they came back before the email went
    config = current_app.config
    return Draft(
        "mydata/email/reconfirm",
        to=supporter.email,
        to_name=supporter.name,
        subject="Do you want to stay on the Frontline list?",
        name=supporter.name,
        stay_url=stay_url(supporter),
        manage_url=manage_url(supporter),
        privacy_url=site_url("pages.privacy"),
        months=config["INACTIVE_RECONFIRM_MONTHS"],
        grace_days=config["RECONFIRM_GRACE_DAYS"],
    )


register_kind("reconfirm", stream="transactional", render=render_reconfirm)
