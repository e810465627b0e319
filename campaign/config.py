"""Configuration: safe defaults here, secrets and deployment settings from the environment.

Nothing is read at import time; `from_environment()` runs inside `create_app()`.
Production (`FRONTLINE_ENV=production`) refuses to start without a real SECRET_KEY and
SITE_URL, so a half-configured deployment fails loudly instead of running insecurely.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the known value production refuses


class ConfigError(RuntimeError):
    """The environment does not describe a safe deployment."""


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SITE_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_DATABASE_URI = ""  # filled in from DATABASE_URL or the instance folder
    # hide_parameters: a logged database error must not carry names and addresses.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
    }
    REDIS_URL = ""
    HOST = "127.0.0.1"
    PORT = 5000
    TRUSTED_PROXIES = 0  # reverse proxies in front whose X-Forwarded-For/Proto to trust

    # Mail. With no MAIL_SERVER, messages are written to instance/outbox/ instead.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "Frontline <hello@localhost>"
    MAIL_ALERTS_SENDER = ""  # defaults to MAIL_DEFAULT_SENDER
    MAIL_CAMPAIGN_SENDER = ""  # defaults to MAIL_DEFAULT_SENDER
    MAIL_BOUNCE_ADDRESS = ""  # e.g. bounces@example.org; the local part gets +TOKEN
    MAIL_MAX_ATTEMPTS = 6
    MAIL_BATCH_SIZE = 50
    # A worker's claim on its batch lapses this long after its last renewal (it renews
    # as it works through it), so a dead worker's rows go out again within a minute.
    MAIL_CLAIM_LEASE_SECONDS = 30
    MAIL_RECONNECT_EVERY = 100

    # The organisation behind the campaign: shown in the footer of every email and in
    # the privacy notice.
    ORG_NAME = "Frontline campaign"
    ORG_POSTAL_ADDRESS = "PO Box 0000, London N1 0AA"
    ORG_CONTACT_EMAIL = "privacy@localhost"

    # Privacy and retention (PRIV-08)
    UNCONFIRMED_RETENTION_DAYS = 7
    RATE_LIMIT_RETENTION_DAYS = 30
    INACTIVE_RECONFIRM_MONTHS = 24
    RECONFIRM_GRACE_DAYS = 30  # after asking, how long to wait before deleting
    CONFIRM_TOKEN_MAX_AGE = 7 * 24 * 3600
    MANAGE_LINK_MAX_AGE = 7 * 24 * 3600
    PUBLIC_COUNT_THRESHOLD = 10  # PRIV-10: smaller area counts show as "fewer than 10"

    # Abuse (BOT-01, BOT-02)
    SIGN_RATE_LIMIT_PER_IP = "20 per hour"
    SIGN_RATE_LIMIT_PER_DOMAIN = "300 per hour"
    SIGN_FORM_MIN_SECONDS = 3
    SIGN_FORM_MAX_SECONDS = 24 * 3600
    ALREADY_SIGNED_MAX_EMAILS = 3

    # Organiser and admin accounts (SEC-09…14)
    PASSWORD_MIN_LENGTH = 15
    LOGIN_RATE_LIMIT_PER_ACCOUNT = "5 per 15 minutes"  # failed passwords or codes
    LOGIN_RATE_LIMIT_PER_IP = "30 per 15 minutes"
    RESET_RATE_LIMIT = "3 per hour"  # reset emails per account
    ACCOUNT_IDLE_MINUTES = 30
    ACCOUNT_ABSOLUTE_HOURS = 12
    REAUTH_MINUTES = 5  # how recent a password + code must be for exports and changes
    INVITE_MAX_AGE = 72 * 3600
    RESET_MAX_AGE = 3600

    COUNT_SHARDS = 8

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead
    # Flask-WTF's HTTPS check wants a same-origin Referer, which our no-referrer policy
    # never lets a browser send: security.py checks Sec-Fetch-Site / Origin instead.
    WTF_CSRF_SSL_STRICT = False
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    HSTS = False
    MAX_CONTENT_LENGTH = 1024 * 1024

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_SWALLOW_ERRORS = True  # rate-limit storage down: serve, don't fail (REL-04)
    RATELIMIT_KEY_PREFIX = "frontline"
    # No cache in the embedded default: each web process would otherwise keep its own
    # copy, and a confirmed signature could show in one process and not the next. With
    # REDIS_URL the public counts are cached, shared, for a few seconds.
    CACHE_TYPE = "NullCache"
    CACHE_NO_NULL_WARNING = True
    CACHE_DEFAULT_TIMEOUT = 60
    HUEY_IMMEDIATE = False
    HUEY_NAME = "frontline"  # the queue's name (Redis key prefix); one per deployment
    HUEY_SQLITE_PATH = ""  # defaults to instance/huey.sqlite3
    POSTCODE_DB = ""  # defaults to instance/postcodes-<version>.sqlite3
    OUTBOX_DIR = ""  # defaults to instance/outbox
    DEV_OUTBOX = True  # the development page listing written mail; never in production


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Settings for this deployment, derived from the environment."""
    settings: dict[str, Any] = {}
    production = environ.get("FRONTLINE_ENV", "development") == "production"
    settings["ENV_NAME"] = "production" if production else "development"

    for key in (
        "SECRET_KEY",
        "SITE_URL",
        "REDIS_URL",
        "HOST",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "HUEY_NAME",
        "RATELIMIT_KEY_PREFIX",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "MAIL_ALERTS_SENDER",
        "MAIL_CAMPAIGN_SENDER",
        "MAIL_BOUNCE_ADDRESS",
        "ORG_NAME",
        "ORG_POSTAL_ADDRESS",
        "ORG_CONTACT_EMAIL",
        "POSTCODE_DB",
    ):
        if environ.get(key):
            settings[key] = environ[key]
    for key in (
        "PORT",
        "MAIL_PORT",
        "INACTIVE_RECONFIRM_MONTHS",
        "RECONFIRM_GRACE_DAYS",
        "TRUSTED_PROXIES",
    ):
        if environ.get(key):
            settings[key] = int(environ[key])
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if environ.get(key):
            settings[key] = _bool(environ[key])

    if not production and not environ.get("SITE_URL"):
        # Development links (emails, the embed snippet, create-admin's instructions)
        # point at wherever `make run` / `flask serve` listens.
        settings["SITE_URL"] = development_site_url(
            settings.get("HOST", Config.HOST), settings.get("PORT", Config.PORT)
        )

    database_url = environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    settings["SQLALCHEMY_DATABASE_URI"] = (
        database_url or f"sqlite:///{Path(instance_path) / 'frontline.sqlite3'}"
    )
    if settings.get("REDIS_URL"):
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]
        settings["CACHE_TYPE"] = "RedisCache"
        settings["CACHE_REDIS_URL"] = settings["REDIS_URL"]

    if production:
        settings.update(
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
            HSTS=True,
            DEV_OUTBOX=False,
        )
    return settings


def development_site_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches the development server at."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - listening everywhere: browse locally
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse to run production with settings that would make it unsafe (SEC-18)."""
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise ConfigError("Set SECRET_KEY to a random value of at least 32 characters.")
    site = config.get("SITE_URL") or ""
    if not site.startswith("https://") or "localhost" in site or "127.0.0.1" in site:
        raise ConfigError("Set SITE_URL to the public https:// address of the site.")
    if not config.get("MAIL_SERVER"):
        raise ConfigError("Set MAIL_SERVER: production never writes mail to a local folder.")
