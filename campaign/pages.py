"""Static pages (privacy notice, about) and what every template can use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template

from campaign.geo import ATTRIBUTION, area_name

bp = Blueprint("pages", __name__)


@bp.get("/privacy")
def privacy() -> str:
    return render_template("pages/privacy.html")


@bp.get("/about")
def about() -> str:
    return render_template("pages/about.html")


def field_attrs(field: Any, **extra: str | None) -> dict[str, str]:
    """HTML attributes linking a form field to its hint and error (for screen readers)."""
    attrs = {name: value for name, value in extra.items() if value}
    described = []
    if field.description:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def init_app(app: Flask) -> None:
    app.add_template_global(field_attrs)
    app.add_template_global(area_name)

    @app.context_processor
    def site_context() -> dict[str, Any]:
        return {"geo_attribution": ATTRIBUTION, "org_name": app.config["ORG_NAME"]}
