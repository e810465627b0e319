"""The admin area's pages. Each module below adds its views to the one guarded blueprint
(blueprint.py); importing this module registers them all."""

from __future__ import annotations

from flask import render_template

from campaign.accounts.access import allow
from campaign.accounts.roles import ORGANISER
from campaign.admin import account_views, audit_views, content_views, signature_views
from campaign.admin.blueprint import bp
from campaign.deliveries import queries as delivery_queries
from campaign.pledges import queries as pledge_queries

__all__ = ["account_views", "audit_views", "bp", "content_views", "signature_views"]


@bp.get("/")
@allow(ORGANISER)
def dashboard() -> str:
    return render_template(
        "admin/dashboard.html",
        figures=pledge_queries.signature_figures(),
        mail=delivery_queries.count_in_status("failed", "bounced"),
    )
