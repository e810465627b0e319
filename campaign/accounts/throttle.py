"""Login throttling (SEC-11): failures are counted per account and per hashed IP in the
rate-limit storage (memory, or Redis in production). Windows slide on, so a throttled
account or network is let in again after a while: never a permanent lock-out, which
would let anyone lock an organiser out by guessing on purpose.

If that storage is down (Redis unreachable), throttling does not switch off: every
failure is also counted in this process's memory, and while the storage is down those
counts answer instead, with the same limits and windows. Each web process then counts
only the attempts it served, so with N processes an attacker gets at most N times the
limit until Redis is back, never an unlimited number of guesses.

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
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter

from campaign.extensions import hashed_ip, limiter

log = logging.getLogger(__name__)
Check = tuple[RateLimitItem, str, str]  # limit, what is counted ("account", "ip"), key


def _prefix() -> str:
    return str(current_app.config.get("RATELIMIT_KEY_PREFIX", ""))


def _in_memory() -> RateLimiter:
    """This process's own counts (one store per app), with the shared storage's strategy."""
    counts = current_app.extensions.get("login_throttle_memory")
    if counts is None:
        counts = type(limiter.limiter)(MemoryStorage())
        current_app.extensions["login_throttle_memory"] = counts
    return counts


def _account_key(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"login:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _checks(email: str) -> list[Check]:
    config = current_app.config
    return [
        (parse(config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]), "account", _account_key(email)),
        (parse(config["LOGIN_RATE_LIMIT_PER_IP"]), "ip", hashed_ip()),
    ]


def _within(scope: str, checks: list[Check]) -> bool:
    """True while every count is under its limit, without counting anything."""
    prefix = _prefix()
    try:
        return all(
            limiter.limiter.test(item, prefix, scope, name, key) for item, name, key in checks
        )
    except Exception:  # storage down: this process's counts answer instead
        log.warning("Rate-limit storage unavailable; %s throttled by this process's counts", scope)
        return all(_in_memory().test(item, prefix, scope, name, key) for item, name, key in checks)


def _count(scope: str, checks: list[Check]) -> bool:
    """Count one attempt against every check, in memory and in the shared storage; True
    while all are within their limits. The shared storage answers, memory while it is down."""
    prefix = _prefix()
    local = all([_in_memory().hit(item, prefix, scope, name, key) for item, name, key in checks])
    try:
        return all(
            [limiter.limiter.hit(item, prefix, scope, name, key) for item, name, key in checks]
        )
    except Exception:
        log.warning("Rate-limit storage unavailable; %s counted in this process only", scope)
        return local


def is_throttled(email: str) -> bool:
    """True while this account or this network has had too many failures lately."""
    return not _within("login", _checks(email))


def record_failure(email: str) -> None:
    _count("login", _checks(email))


def clear_account(email: str) -> None:
    """After a successful login the account's failures are forgiven (not the network's)."""
    item, name, key = _checks(email)[0]
    _in_memory().clear(item, _prefix(), "login", name, key)
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
    return _count("reset", checks)
