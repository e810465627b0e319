"""The signature list and the review of flagged sign-ups (BOT-01, AUD-01)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from campaign.audit import AuditLog
from campaign.extensions import db
from campaign.pledges import bots
from campaign.pledges.models import Signature
from campaign.supporters.models import Supporter
from campaign.timeutil import utcnow
from tests.accounts.conftest import page_text, post_form
from tests.admin.conftest import HUGE


def public_total(client):
    return client.get("/api/v1/counts").get_json()["total"]


def test_filters_and_what_the_list_shows(client, make_pledge, make_signature, make_user, sign_in):
    gp = make_pledge("gp-surgeries")
    school = make_pledge("schools", title="School staff against data sharing")
    make_signature("a@example.org", pledge=gp, name="Ann Counted")
    make_signature("b@nhs.net", pledge=gp, name="Bea Flagged", flag_reason="rate-limit-domain")
    make_signature("c@example.org", pledge=school, confirmed=False, area_code="E08000025")
    old = make_signature("d@example.org", pledge=school, name="Dee Old")
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    sign_in(make_user())

    def listed(**query):
        page = client.get("/admin/signatures", query_string=query)
        assert page.status_code == 200
        return page.get_data(as_text=True)

    everything = listed()
    assert "4</strong> signatures match" in everything
    for address in ("a@example.org", "b@nhs.net", "c@example.org", "d@example.org"):
        assert address not in everything  # never a full address
    assert "Bea Flagged · @nhs.net" in everything  # flagged: name and domain, to judge them
    assert "Ann Counted" not in everything  # counted ones: no name needed
    assert "2</strong> signatures match" in listed(pledge=gp.id)
    assert "1</strong> signature match" in listed(status="flagged")
    assert "1</strong> signature match" in listed(status="unconfirmed")
    assert "2</strong> signatures match" in listed(status="confirmed")
    assert "1</strong> signature match" in listed(area="E08000025")
    assert "Birmingham" in listed(area="E08000025")
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert "3</strong> signatures match" in listed(date_from=since)
    assert "1</strong> signature match" in listed(
        date_to=(utcnow() - timedelta(days=30)).date().isoformat()
    )
    assert "4</strong> signatures match" in listed(date_from="not-a-date")

    views = db.session.scalars(db.select(AuditLog).filter_by(action="signatures.view")).all()
    assert len(views) == 10
    assert json.loads(views[1].detail) == {"pledge_id": gp.id, "page": 1, "shown": 2}


def test_counting_flagged_signatures_with_a_dry_run_first(
    client, make_pledge, make_signature, make_user, sign_in
):
    pledge = make_pledge()
    for n in range(3):
        make_signature(f"nurse{n}@nhs.net", pledge=pledge, flag_reason="rate-limit-domain")
    make_signature("late@nhs.net", pledge=pledge, flag_reason="rate-limit-domain", confirmed=False)
    make_signature("fine@example.org", pledge=pledge)
    sign_in(make_user())
    assert public_total(client) == 1

    filtered = "/admin/signatures?status=flagged"
    dry = post_form(
        client,
        filtered,
        {"action": "count", "scope": "matching"},
        action="/admin/signatures/review",
    )
    page = dry.get_data(as_text=True)
    assert "Count 4 flagged signatures?" in page
    assert "3 of them are confirmed" in page
    assert public_total(client) == 1  # a dry run changes nothing
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Signature).filter_by(flagged=True))
        == 4
    )

    done = post_form(
        client,
        filtered,
        {"action": "count", "scope": "matching", "confirmed": "yes"},
        action="/admin/signatures/review",
    )
    assert "Counted 4 signatures." in client.get(done.headers["Location"]).get_data(as_text=True)
    assert public_total(client) == 4  # the three confirmed ones now count
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="signatures.count_flagged"))
    assert json.loads(entry.detail)["count"] == 4

    # Pressing it again (another tab, another organiser) counts nothing twice.
    post_form(
        client,
        filtered,
        {"action": "count", "scope": "matching", "confirmed": "yes"},
        action="/admin/signatures/review",
    )
    assert public_total(client) == 4

    # The one confirmed later counts then.
    from campaign.pledges import services

    services.confirm(db.session.scalar(db.select(Signature).filter_by(confirmed_at=None)))
    db.session.commit()
    assert public_total(client) == 5


def test_discarding_one_flagged_signature(client, make_pledge, make_signature, make_user, sign_in):
    pledge = make_pledge()
    other = make_pledge("schools", title="Schools")
    bot = make_signature("bot1@spam.example", pledge=pledge, flag_reason="rate-limit-ip")
    keep = make_signature("bot2@spam.example", pledge=pledge, flag_reason="rate-limit-ip")
    both = make_signature("both@example.org", pledge=pledge, flag_reason="rate-limit-ip")
    make_signature("both@example.org", pledge=other)
    bot, keep, both = bot.id, keep.id, both.id
    sign_in(make_user())

    dry = post_form(
        client,
        "/admin/signatures?status=flagged",
        {"action": "discard", "scope": "selected", "ids": [str(bot), str(both)]},
        action="/admin/signatures/review",
    )
    assert "Discard 2 flagged signatures?" in dry.get_data(as_text=True)
    post_form(
        client,
        "/admin/signatures?status=flagged",
        {
            "action": "discard",
            "scope": "selected",
            "ids": [str(bot), str(both)],
            "confirmed": "yes",
        },
        action="/admin/signatures/review",
    )
    remaining = {s.id for s in db.session.scalars(db.select(Signature))}
    assert bot not in remaining and both not in remaining and keep in remaining
    emails = set(db.session.scalars(db.select(Supporter.email)))
    assert "bot1@spam.example" not in emails  # nothing else of theirs: gone entirely
    assert "both@example.org" in emails  # still has a signature of another pledge
    assert (
        db.session.scalar(db.select(AuditLog.target).filter_by(action="signatures.discard_flagged"))
        == "signatures:2"
    )


def test_only_flagged_signatures_can_be_discarded(client, make_signature, make_user, sign_in):
    counted = make_signature("real@example.org")
    sign_in(make_user())
    post_form(
        client,
        "/admin/signatures",
        {"action": "discard", "scope": "selected", "ids": [str(counted.id)], "confirmed": "yes"},
        action="/admin/signatures/review",
    )
    assert db.session.get(Signature, counted.id) is not None
    assert public_total(client) == 1


def test_matching_means_matching_the_filter_shown(
    client, make_pledge, make_signature, make_user, sign_in
):
    gp = make_pledge()
    school = make_pledge("schools", title="Schools")
    make_signature("a@nhs.net", pledge=gp, flag_reason="rate-limit-domain")
    make_signature("b@school.example", pledge=school, flag_reason="rate-limit-domain")
    sign_in(make_user())
    listing = client.get(f"/admin/signatures?status=flagged&pledge={gp.id}").get_data(as_text=True)
    assert f'name="filter_pledge" type="hidden" value="{gp.id}"' in listing
    response = client.post(
        "/admin/signatures/review",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1),
            "filter_pledge": str(gp.id),
            "action": "count",
            "scope": "matching",
            "confirmed": "yes",
        },
    )
    assert response.headers["Location"] == f"/admin/signatures?status=flagged&pledge={gp.id}"
    flagged = db.session.scalars(db.select(Signature.pledge_id).filter_by(flagged=True)).all()
    assert flagged == [school.id]


def test_numbers_and_dates_beyond_any_row_match_nothing(
    client, without_nul_guard, make_pledge, make_signature, make_user, sign_in
):
    """Typed or edited by hand in the address bar: an answer, never a server error."""
    pledge = make_pledge()
    make_signature("a@example.org", pledge=pledge)
    flagged = make_signature("b@nhs.net", pledge=pledge, flag_reason="rate-limit-domain")
    sign_in(make_user())

    def listed(query):
        return page_text(client, f"/admin/signatures?{query}")

    for query in (f"pledge={HUGE}", f"sector={HUGE}", f"pledge=-{HUGE}", "date_from=9999-12-31"):
        assert "0</strong> signatures match" in listed(query), query
    for query in (f"page={HUGE}", "date_to=9999-12-31", "date_from=0001-01-01", "area=%00"):
        page = listed(query)
        assert "2</strong> signatures match" in page, query
        assert "b@nhs.net"[2:] in page, query  # the flagged row is listed: not an empty page
    assert "There is a problem" in listed("area=%00")

    for ids in ([HUGE], [HUGE, str(flagged.id)]):
        dry = post_form(
            client,
            "/admin/signatures?status=flagged",
            {"action": "count", "scope": "selected", "ids": ids},
            action="/admin/signatures/review",
        )
        assert dry.status_code == 200, ids
        wanted = "Count 0 flagged signatures?" if len(ids) == 1 else "Count 1 flagged signature?"
        assert wanted in dry.get_data(as_text=True)
    for hidden in (
        {"filter_pledge": HUGE},
        {"filter_area": "\x00"},
        {"filter_date_to": "9999-12-31"},
    ):
        done = post_form(
            client,
            "/admin/signatures?status=flagged",
            {"action": "count", "scope": "matching", **hidden},
            action="/admin/signatures/review",
        )
        assert done.status_code == 200, hidden


def test_export_of_a_pledge_beyond_any_row_is_empty(client, make_signature, make_user, sign_in):
    make_signature("a@example.org", wants_updates=True)
    sign_in(make_user())
    response = post_form(client, "/admin/export", {"pledge": HUGE, "sector": ""})
    assert response.status_code == 200
    assert response.get_data(as_text=True).splitlines()[1:] == []


def test_the_cost_of_the_list_and_of_counting_does_not_grow_with_the_rows(
    client, make_pledge, make_signature, make_user, sign_in, statements
):
    """Each flagged row shows its sign-up's email domain, and counting flagged sign-ups
    adds them to the public tallies: neither may cost a query or more per row."""
    pledges = [make_pledge(), make_pledge("schools", title="Schools")]
    sign_in(make_user())

    def flag(how_many, start):
        for n in range(start, start + how_many):
            make_signature(f"p{n}@d{n}.example", pledge=pledges[n % 2], flag_reason="rate-limit-ip")

    def cost_of_listing():
        with statements() as seen:
            page = client.get("/admin/signatures?status=flagged")
        assert page.status_code == 200
        return len(seen)

    def cost_of_counting():
        listing = client.get("/admin/signatures?status=flagged").get_data(as_text=True)
        with statements() as seen:
            response = client.post(
                "/admin/signatures/review",
                data={
                    "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', listing)[1],
                    "action": "count",
                    "scope": "matching",
                    "confirmed": "yes",
                },
            )
        assert response.status_code == 303
        return len(seen)

    flag(2, 0)
    few = cost_of_listing()
    counting_few = cost_of_counting()
    assert public_total(client) == 2
    flag(8, 2)
    assert cost_of_listing() == few
    assert cost_of_counting() == counting_few
    assert public_total(client) == 10
    assert [p["count"] for p in client.get("/api/v1/counts").get_json()["pledges"]] == [5, 5]


def test_flagged_sign_ups_say_why_in_words(client, make_signature, make_user, sign_in):
    make_signature("a@example.org", name="Ann Network", flag_reason="rate-limit-ip")
    make_signature("b@nhs.net", name="Bea Domain", flag_reason="rate-limit-domain")
    sign_in(make_user())
    page = page_text(client, "/admin/signatures?status=flagged")
    closed = re.sub(r"<details.*?</details>", "", page, flags=re.S)  # as first seen
    assert "Flagged: many sign-ups from one network" in closed
    assert "Flagged: many sign-ups from one email domain" in closed
    assert "rate-limit" not in closed
    # The stored code, one click away.
    assert "<summary>As recorded</summary><code>flag_reason: rate-limit-ip</code>" in page
    assert "<summary>As recorded</summary><code>flag_reason: rate-limit-domain</code>" in page


def test_every_reason_signing_can_flag_has_words(app):
    """The codes come from the sign-up rate limits: trip each one and read its words."""
    app.config.update(SIGN_RATE_LIMIT_PER_IP="1 per hour", SIGN_RATE_LIMIT_PER_DOMAIN="1 per hour")
    reasons = []
    for address, email in [
        ("192.0.2.1", "one@council.example"),
        ("192.0.2.1", "two@council.example"),  # the same network again
        ("192.0.2.2", "three@council.example"),  # another network, the same domain
    ]:
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            reasons.append(bots.rate_limit_flag(email))
    assert reasons == ["", "rate-limit-ip", "rate-limit-domain"]
    assert {reason: bots.flag_reason_words(reason) for reason in reasons[1:]} == {
        "rate-limit-ip": "many sign-ups from one network",
        "rate-limit-domain": "many sign-ups from one email domain",
    }
