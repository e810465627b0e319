"""Anti-abuse on the sign form (BOT-01, BOT-02).

Nothing here blocks a person. Only a filled honeypot, which people never see, is
dropped quietly behind the normal success page. A form sent faster than a person types
(a password manager fills it in a second), or one whose signed timestamp is missing or
too old, gets a "one more step" page with a button instead: a person presses it, a
simple bot does not. Bursts from one network or email domain are recorded but flagged,
so colleagues behind one hospital or council address still get to sign.
"""

from __future__ import annotations

import logging
from enum import Enum

from flask import current_app
from limits import parse

from campaign.extensions import hashed_ip, limiter
from campaign.forms import form_token_age, issue_form_token
from campaign.tokens import BadToken

log = logging.getLogger(__name__)
FORM = "sign"


class Timing(Enum):
    OK = "ok"
    TOO_FAST = "too fast"  # the token is genuine: keep it, so the wait counts from the start
    STALE = "stale"  # missing, altered or expired: the next display needs a fresh one


def form_timestamp() -> str:
    return issue_form_token(FORM)


def check_timing(started: str) -> Timing:
    config = current_app.config
    try:
        age = form_token_age(FORM, started, max_age=config["SIGN_FORM_MAX_SECONDS"])
    except BadToken:
        return Timing.STALE
    return Timing.TOO_FAST if age < config["SIGN_FORM_MIN_SECONDS"] else Timing.OK


# Mail services shared by millions: a burst of sign-ups from one of them is not a sign of
# abuse, so the per-domain limit (meant for an organisation's own domain) skips them.
SHARED_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.co.uk",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.co.uk",
        "mail.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "tiscali.co.uk",
        "ntlworld.com",
        "blueyonder.co.uk",
        "fastmail.com",
        "tutanota.com",
        "zoho.com",
    }
)


# Why a sign-up was flagged: the codes rate_limit_flag stores in Signature.flag_reason, in
# the words organisers read when they review them. A code with no words shows as it is.
FLAG_REASONS: dict[str, str] = {
    "rate-limit-ip": "many sign-ups from one network",
    "rate-limit-domain": "many sign-ups from one email domain",
}


def flag_reason_words(code: str) -> str:
    return FLAG_REASONS.get(code, code)


def rate_limit_flag(email: str) -> str:
    """'' if within limits, else why this sign-up should be flagged (and not counted)."""
    config = current_app.config
    domain = email.rpartition("@")[2].lower()
    checks = [("rate-limit-ip", config["SIGN_RATE_LIMIT_PER_IP"], hashed_ip())]
    if domain not in SHARED_MAIL_DOMAINS:
        checks.append(("rate-limit-domain", config["SIGN_RATE_LIMIT_PER_DOMAIN"], domain))
    reason = ""
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    for name, limit, key in checks:
        try:
            within = limiter.limiter.hit(parse(limit), prefix, "sign", name, key)
        except Exception:  # rate-limit storage down: keep accepting sign-ups (REL-04)
            log.warning("Rate-limit storage unavailable; sign-up not checked")
            return ""
        if not within and not reason:
            reason = name
    return reason
