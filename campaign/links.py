"""Links we email: an absolute address on SITE_URL with a signed token in it, and the one
page every link that cannot be used gets.

Each feature keeps its links in its own links.py, the maker beside the reader and how
long the link works: pledges/links.py (confirm a signature), supporters/links.py
(manage your data, stay on the list, unsubscribe), accounts/links.py (invitations,
password resets). A reader raises BadLink; a blueprint whose pages read links shows
`bad_link_page` for it, which answers 404 when the link was altered or names nothing we
hold, and 410 when it was genuine but has expired or already been used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, render_template

from campaign.extensions import Model, db
from campaign.tokens import BadToken, ExpiredToken, make_token, read_token

M = TypeVar("M", bound=Model)

# Why a link cannot be used, and the status each reason answers with.
STATUS_FOR_REASON = {"invalid": 404, "gone": 404, "expired": 410, "used": 410}


def site_url(endpoint: str, **values: object) -> str:
    """An absolute link on SITE_URL, built the same in a request or in a worker."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, url_scheme=site.scheme or "https", script_name=site.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)


def never_expires() -> None:
    return None


@dataclass(frozen=True)
class Link:
    """One kind of emailed link. `purpose` salts its tokens, so a token made for one kind
    of link never reads as another; `max_age` says, when the link is read, how many
    seconds it works (None: for ever)."""

    purpose: str
    max_age: Callable[[], int | None] = never_expires

    def token(self, payload: Any) -> str:
        return make_token(self.purpose, payload)

    def read(self, token: str) -> Any:
        """The payload the token was made with. Raises BadLink."""
        try:
            return read_token(self.purpose, token, max_age=self.max_age())
        except ExpiredToken as exc:
            raise BadLink(self, "expired") from exc
        except BadToken as exc:
            raise BadLink(self, "invalid") from exc

    def load(self, model: type[M], token: str) -> M:
        """The row whose id the token holds. Raises BadLink ("gone" once it is deleted)."""
        object_id = self.read(token)
        if type(object_id) is not int:
            raise BadLink(self, "invalid")
        row = db.session.get(model, object_id)
        if row is None:
            raise BadLink(self, "gone")
        return row


class BadLink(Exception):
    """An emailed link that cannot be used. `reason`: invalid (altered, cut short, made for
    something else), gone (names nothing we hold), expired, or used (it worked once)."""

    def __init__(self, link: Link, reason: str) -> None:
        super().__init__(f"{link.purpose} link: {reason}")
        self.link = link
        self.reason = reason


def bad_link_page(error: BadLink) -> tuple[str, int]:
    """The page for every link that cannot be used: what went wrong, what to do instead."""
    page = render_template("links/problem.html", purpose=error.link.purpose, reason=error.reason)
    return page, STATUS_FOR_REASON[error.reason]
