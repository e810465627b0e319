from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from campaign.pledges import queries
from campaign.security import embeddable

bp = Blueprint("api", __name__)

PUBLIC_MAX_AGE = 5


def _public_json(payload: Any) -> BaseResponse:
    """Cacheable public JSON with an ETag; 304 when the client already has it."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/api/v1/counts")
def counts() -> BaseResponse:
    return _public_json(queries.public_counts())


@bp.get("/api/v1/openapi.json")
def openapi() -> BaseResponse:
    site = current_app.config["SITE_URL"].rstrip("/")
    threshold = current_app.config["PUBLIC_COUNT_THRESHOLD"]
    return _public_json(openapi_document(site, threshold=threshold))


@bp.get("/embed/counter")
def counter() -> BaseResponse:
    """A tiny live counter partner sites can frame: the one frame-ancestors exception."""
    pledge_slug = request.args.get("pledge", "")
    counts = queries.public_counts()
    pledge = next((p for p in counts["pledges"] if p["slug"] == pledge_slug), None)
    html = render_template(
        "api/counter.html",
        counts=counts,
        pledge=pledge,
        home=current_app.config["SITE_URL"].rstrip("/") + url_for("pledges.home"),
    )
    response = embeddable(Response(html, mimetype="text/html"))
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    return response


@bp.get("/embed/counter.svg")
def badge() -> Response:
    counts = queries.public_counts()
    svg = render_template("api/badge.svg", total=counts["total"])
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def openapi_document(site: str, *, threshold: int) -> dict[str, Any]:
    count_item = {
        "type": "object",
        "required": ["slug", "title", "sector", "count", "target"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "sector": {"type": "string"},
            "count": {"type": "integer"},
            "target": {"type": "integer"},
        },
    }
    nation_count = {
        "type": "object",
        "required": ["code", "name", "count", "hidden"],
        "properties": {
            "code": {"type": "string", "enum": ["E", "W", "S", "N"]},
            "name": {"type": "string"},
            "count": {
                "type": ["integer", "null"],
                "description": f"null when hidden: no figure under {threshold} is published, "
                "and some larger ones are hidden too, so that no hidden figure can be worked "
                "out by subtracting the others from the total (see hidden)",
            },
            "hidden": {
                "type": ["string", "null"],
                "enum": ["small", "secondary", "withheld", None],
                "description": "null when count is given; otherwise why not: small (fewer "
                f"than {threshold}, including none), secondary ({threshold} or more, hidden "
                "so that a smaller figure cannot be worked out), withheld (nothing said)",
            },
        },
    }
    named_count = {
        "type": "object",
        "required": ["count"],
        "properties": {
            "slug": {"type": "string"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "count": {"type": "integer"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Frontline public API",
            "version": "1.0.0",
            "description": "Public pledge counts. Read-only, no authentication, CORS for GET, "
            f"cached for {PUBLIC_MAX_AGE} seconds with ETags. Contains no personal data.",
        },
        "servers": [{"url": site}],
        "paths": {
            "/api/v1/counts": {
                "get": {
                    "summary": "Confirmed signatures: total, per pledge, per sector, per nation",
                    "operationId": "getCounts",
                    "responses": {
                        "200": {
                            "description": "Current counts",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": [
                                            "total",
                                            "updated_at",
                                            "pledges",
                                            "sectors",
                                            "nations",
                                        ],
                                        "properties": {
                                            "total": {"type": "integer"},
                                            "updated_at": {"type": "string", "format": "date-time"},
                                            "pledges": {"type": "array", "items": count_item},
                                            "sectors": {"type": "array", "items": named_count},
                                            "nations": {"type": "array", "items": nation_count},
                                        },
                                    }
                                }
                            },
                        },
                        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenApi",
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
    }
