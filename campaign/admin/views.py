"""The admin area's pages and its menu. Each module below adds its views to the one
guarded blueprint (blueprint.py); importing this module registers them all."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from campaign.accounts.access import allow, may_use
from campaign.accounts.roles import ORGANISER
from campaign.admin import account_views, audit_views, content_views, signature_views
from campaign.admin.blueprint import bp
from campaign.deliveries import queries as delivery_queries
from campaign.pledges import queries as pledge_queries

__all__ = ["account_views", "audit_views", "bp", "content_views", "signature_views"]

# The admin menu, in order. Who sees each link is what its view declares with @allow.
MENU = (
    ("admin.dashboard", "Dashboard"),
    ("admin.pledges", "Pledges"),
    ("admin.sectors", "Sectors"),
    ("admin.signatures", "Signatures"),
    ("admin.export", "Export"),
    ("admin.accounts", "Accounts"),
    ("admin.audit", "Audit log"),
)


@bp.app_template_global("admin_menu")
def admin_menu() -> list[tuple[str, str]]:
    """The links of the admin menu this person may follow (none for a coordinator)."""
    return [(endpoint, label) for endpoint, label in MENU if may_use(current_user, endpoint)]


@bp.get("/")
@allow(ORGANISER)
def dashboard() -> str:
    return render_template(
        "admin/dashboard.html",
        figures=pledge_queries.signature_figures(),
        mail=delivery_queries.count_in_status("failed", "bounced"),
    )
