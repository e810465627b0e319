"""The public figures are cached for a few seconds; what an organiser changes shows on
every public page at once, and a confirmation shows at once where the signer looks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import cachelib.simple
import pytest

from campaign.extensions import cache, db
from campaign.pledges.models import Signature
from campaign.timeutil import utcnow
from tests.accounts.conftest import page_text, post_form
from tests.conftest import hidden_inputs

WESTMINSTER = "E09000033"


@pytest.fixture
def cached(app, monkeypatch):
    """The app with a real cache (the suite runs without one), whose clock stands still:
    a figure that shows fresh was forgotten, not expired."""
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    frozen = cachelib.simple.time()
    monkeypatch.setattr(cachelib.simple, "time", lambda: frozen)
    return app


def figures(client):
    """Every cached figure, as the public sees it: the API's total, the home page's
    growth table for today, and Westminster's row of the areas page."""
    total = client.get("/api/v1/counts").get_json()["total"]
    home = page_text(client, "/")
    today = utcnow().strftime("%-d %B %Y")
    growth = re.search(rf'<th scope="row">{today}</th><td class="num">([^<]+)</td>', home)
    areas = page_text(client, "/areas")
    area = re.search(r'<th scope="row">Westminster</th><td class="num">(.*?)</td>', areas, re.S)
    return total, growth[1], " ".join(re.sub(r"<[^>]+>", " ", area[1]).split())


def test_counting_flagged_sign_ups_shows_everywhere_at_once(
    cached, client, make_pledge, make_signature, make_user, sign_in
):
    pledge = make_pledge()
    for n in range(12):
        make_signature(f"nurse{n}@nhs.net", pledge=pledge, flag_reason="rate-limit-domain")
    sign_in(make_user())
    assert figures(client) == (0, "0", "fewer than 10")

    post_form(
        client,
        "/admin/signatures?status=flagged",
        {"action": "count", "scope": "matching", "confirmed": "yes"},
        action="/admin/signatures/review",
    )
    assert figures(client) == (12, "12", "12")


def test_editing_a_pledge_shows_on_the_home_page_at_once(
    cached, client, make_pledge, make_user, sign_in
):
    pledge = make_pledge(target=100)
    assert "of 100 signatures" in page_text(client, "/")
    sign_in(make_user())
    post_form(
        client,
        f"/admin/pledges/{pledge.id}",
        {
            "sector_id": str(pledge.sector_id),
            "title": pledge.title,
            "statement": pledge.statement,
            "target": "2500",
            "is_open": "y",
        },
    )
    assert "of 2,500 signatures" in page_text(client, "/")
    assert client.get("/api/v1/counts").get_json()["pledges"][0]["target"] == 2500


def test_a_confirmation_shows_at_once_to_the_signer(
    cached, client, smtp, make_pledge, make_signature, sign_data
):
    """The signer sees their signature counted on the pledge's own page and the page
    that thanks them; the cached totals catch up within seconds (they are not dropped
    for every one of hundreds of confirmations a second)."""
    pledge = make_pledge()
    make_signature("first@example.org", pledge=pledge, area_code=WESTMINSTER)
    assert figures(client)[0] == 1
    fields = hidden_inputs(page_text(client, f"/pledges/{pledge.slug}"))
    assert client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data}).status_code == 303
    path = urlsplit(smtp.to(sign_data["email"])[0].link("/confirm/")).path

    confirmed = client.post(path, data=hidden_inputs(page_text(client, path)))
    assert "your signature is confirmed" in confirmed.get_data(as_text=True)
    assert '<strong class="big-number">2</strong> confirmed signatures' in confirmed.get_data(
        as_text=True
    )
    pledge_page = page_text(client, f"/pledges/{pledge.slug}")
    assert '<strong class="big-number">2</strong> people have signed' in pledge_page
    assert db.session.scalar(db.select(db.func.count()).select_from(Signature)) == 2
    assert figures(client)[0] == 1  # cached: the public totals follow within seconds
