"""Anti-abuse on the sign form (BOT-01, BOT-02).

Nothing here blocks a person: a bot's submission is quietly dropped behind the normal
success page, and bursts from one network or email domain are recorded but flagged,
so colleagues behind one hospital or council address still get to sign.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from limits import parse

from campaign.extensions import hashed_ip, limiter
from campaign.tokens import BadToken, make_token, read_token

log = logging.getLogger(__name__)


def form_timestamp() -> str:
    return make_token("sign-form", int(time.time()))


def looks_automated(*, honeypot: str, started: str) -> bool:
    """True for a filled honeypot or a timestamp that is missing, forged, too fresh or too old."""
    if honeypot:
        return True
    config = current_app.config
    try:
        issued = read_token("sign-form", started, max_age=config["SIGN_FORM_MAX_SECONDS"])
    except BadToken:
        return True
    if not isinstance(issued, int):
        return True
    return time.time() - issued < config["SIGN_FORM_MIN_SECONDS"]


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
