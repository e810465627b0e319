"""SEC-01…03, SEC-05, SEC-06, SEC-18: headers, cookies and production safety."""

from __future__ import annotations

import re

import pytest

from campaign import create_app
from campaign.config import ConfigError

PUBLIC_PAGES = [
    "/",
    "/about",
    "/privacy",
    "/areas",
    "/api/v1/counts",
    "/embed/counter",
    "/static/css/site.css",
    "/no-such-page",
]


@pytest.fixture
def pages(client, make_pledge):
    pledge = make_pledge()
    return [*PUBLIC_PAGES, f"/pledges/{pledge.slug}"]


def test_every_html_page_has_a_strict_csp(client, pages):
    for url in pages:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp or "default-src 'none'" in csp, url
        assert "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0], url
        assert "base-uri 'none'" in csp, url
        assert "form-action" in csp, url
        if url.startswith("/embed/"):
            assert "frame-ancestors *" in csp  # the one documented exception
        else:
            assert "frame-ancestors 'none'" in csp, url
            assert "object-src 'none'" in csp, url


def test_every_response_has_the_hardening_headers(client, pages):
    for url in pages:
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "no-referrer", url
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert "camera=()" in headers["Permissions-Policy"], url
        assert "Strict-Transport-Security" not in headers  # only in production


def test_pages_that_accept_personal_data_are_not_stored(client, make_pledge):
    pledge = make_pledge()
    assert client.get(f"/pledges/{pledge.slug}").headers["Cache-Control"] == "no-store"


def test_read_only_public_pages_set_no_cookies(client, pages):
    for url in pages:  # the pledge pages and their sign forms included
        assert "Set-Cookie" not in client.get(url).headers, url


def test_form_session_cookie_is_httponly_and_samesite(client):
    cookie = client.get("/accounts/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def production_env(monkeypatch, **overrides):
    env = {
        "FRONTLINE_ENV": "production",
        "SECRET_KEY": "x" * 48,
        "SITE_URL": "https://frontline.example.org",
        "MAIL_SERVER": "smtp.example.org",
        "DATABASE_URL": "sqlite://",
    }
    env.update(overrides)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"SECRET_KEY": ""},
        {"SECRET_KEY": "dev-only-not-secret"},
        {"SECRET_KEY": "short"},
        {"SITE_URL": ""},
        {"SITE_URL": "http://frontline.example.org"},
        {"SITE_URL": "https://localhost"},
        {"MAIL_SERVER": ""},
    ],
)
def test_production_refuses_to_start_unsafely(monkeypatch, overrides):
    production_env(monkeypatch, **overrides)
    with pytest.raises(ConfigError):
        create_app()


def test_production_cookies_hsts_and_generic_errors(monkeypatch, tmp_path):
    production_env(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    app = create_app()
    assert not app.debug
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
    assert "something went wrong" in body.lower()
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert client.get("/dev/outbox/").status_code == 404  # no development pages


def test_no_page_loads_anything_from_another_origin(client, make_signature):
    """SEC-04: no CDN, fonts, analytics, frames or images from elsewhere."""
    signature = make_signature(display="full")
    for url in [
        *PUBLIC_PAGES,
        f"/pledges/{signature.pledge.slug}",
        "/embed/counter",
        "/embed/counter.svg",
    ]:
        page = client.get(url).get_data(as_text=True)
        loads = re.findall(
            r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", page
        )
        for tag in loads:
            assert not re.search(r'(src|href|data)="(https?:)?//', tag), (url, tag)
        assert "@import" not in page and "url(http" not in page


def test_no_get_request_changes_anything(app, client, make_signature):
    """SEC-07: walk every GET route of the site; the database is the same afterwards."""
    import sqlalchemy as sa

    from campaign.extensions import db
    from campaign.tokens import make_token

    signature = make_signature(confirmed=False)
    values = {
        "slug": signature.pledge.slug,
        "token": make_token("confirm", signature.id),
        "name": "x.eml",
        "filename": "css/site.css",
    }

    def snapshot():
        db.session.expire_all()
        return {t.name: db.session.execute(sa.select(t)).all() for t in db.metadata.sorted_tables}

    before = snapshot()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not set(rule.arguments) <= values.keys():
            continue  # routes with other arguments are covered by their feature's tests
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        assert client.get(url).status_code < 500, url
    assert snapshot() == before


def test_development_links_follow_the_port_the_site_listens_on():
    """`PORT=5001 make run` wrote every emailed link with :5000."""
    from campaign.config import from_environment

    def site_url(**environ: str) -> str:
        return from_environment(environ, "instance")["SITE_URL"]

    assert site_url(PORT="5001") == "http://127.0.0.1:5001"
    assert site_url(HOST="0.0.0.0", PORT="8080") == "http://127.0.0.1:8080"  # noqa: S104
    assert site_url(HOST="::1") == "http://[::1]:5000"
    assert site_url(PORT="5001", SITE_URL="http://frontline.local") == "http://frontline.local"
