"""The admin blueprint, closed by the one default-deny guard (campaign/accounts/access.py):
every admin view declares the lowest role that may use it with `@allow(role)`."""

from __future__ import annotations

from flask import Blueprint

from campaign.accounts.access import protect

bp = Blueprint("admin", __name__, url_prefix="/admin")
protect(bp)
