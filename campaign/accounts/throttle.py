"""Login throttling (SEC-11): failures are counted per account and per hashed IP in the
rate-limit storage (memory, or Redis in production). Windows slide on, so a throttled
account or network is let in again after a while: never a permanent lock-out, which
would let anyone lock an organiser out by guessing on purpose.

The account key is a keyed hash of the address as typed, known or not, so throttling
answers the same for accounts that do not exist (SEC-12).

Keys start with RATELIMIT_KEY_PREFIX, like every other limit (campaign.pledges.bots), so
deployments sharing one Redis count their own failures.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app
from limits import RateLimitItem, parse

from campaign.extensions import hashed_ip, limiter

log = logging.getLogger(__name__)


def _prefix() -> str:
    return str(current_app.config.get("RATELIMIT_KEY_PREFIX", ""))


def _account_key(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"login:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _checks(email: str) -> list[tuple[RateLimitItem, str, str]]:
    config = current_app.config
    return [
        (parse(config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]), "account", _account_key(email)),
        (parse(config["LOGIN_RATE_LIMIT_PER_IP"]), "ip", hashed_ip()),
    ]


def is_throttled(email: str) -> bool:
    """True while this account or this network has had too many failures lately."""
    try:
        return any(
            not limiter.limiter.test(item, _prefix(), "login", name, key)
            for item, name, key in _checks(email)
        )
    except Exception:  # storage down: let people in rather than lock everyone out (REL-04)
        log.warning("Rate-limit storage unavailable; login not throttled")
        return False


def record_failure(email: str) -> None:
    try:
        for item, name, key in _checks(email):
            limiter.limiter.hit(item, _prefix(), "login", name, key)
    except Exception:
        log.warning("Rate-limit storage unavailable; login failure not counted")


def clear_account(email: str) -> None:
    """After a successful login the account's failures are forgiven (not the network's)."""
    item, name, key = _checks(email)[0]
    try:
        limiter.limiter.clear(item, _prefix(), "login", name, key)
    except Exception:
        log.warning("Rate-limit storage unavailable; failures not cleared")


def allow_reset_email(email: str) -> bool:
    """At most a few reset emails per account and per network in a while; past that the
    page answers the same but nothing is sent (no mail-bombing an organiser)."""
    config = current_app.config
    checks = [
        (parse(config["RESET_RATE_LIMIT"]), "account", _account_key(email)),
        (parse(config["LOGIN_RATE_LIMIT_PER_IP"]), "ip", hashed_ip()),
    ]
    try:
        return all(
            limiter.limiter.hit(item, _prefix(), "reset", name, key) for item, name, key in checks
        )
    except Exception:
        log.warning("Rate-limit storage unavailable; reset not throttled")
        return True
