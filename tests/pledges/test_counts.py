"""Public counts: sharded tallies, reconciliation, the API's caching, CORS and ETags."""

from __future__ import annotations

import re

import sqlalchemy as sa

from campaign.extensions import db
from campaign.pledges import tallies
from campaign.pledges.models import Signature, Tally


def test_counts_api_shape(client, make_pledge, make_signature):
    pledge = make_pledge(target=500)
    make_signature("a@example.org", pledge=pledge, area_code="W06000015")  # Cardiff
    make_signature("b@example.org", pledge=pledge, area_code="S12000036")  # Edinburgh
    make_signature("c@example.org", pledge=pledge, confirmed=False)
    make_signature("d@example.org", pledge=pledge, flag_reason="rate-limit-ip")
    body = client.get("/api/v1/counts").get_json()
    assert body["total"] == 2
    assert body["pledges"] == [
        {"slug": pledge.slug, "title": pledge.title, "sector": "health", "count": 2, "target": 500}
    ]
    assert body["sectors"] == [{"slug": "health", "name": "Health", "count": 2}]
    # Nations under ten show no exact figure, and say why (PRIV-10).
    assert {n["code"]: n["count"] for n in body["nations"]} == dict.fromkeys("EWSN")
    assert {n["hidden"] for n in body["nations"]} == {"small"}
    assert [n["name"] for n in body["nations"]] == [
        "England",
        "Wales",
        "Scotland",
        "Northern Ireland",
    ]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", body["updated_at"])


def test_counts_api_caching_cors_and_etag(client, make_signature):
    make_signature()
    response = client.get("/api/v1/counts")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=5" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get("/api/v1/counts", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_signature("other@example.org")
    changed = client.get("/api/v1/counts", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["total"] == 2


def test_openapi_document_describes_the_counts(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    schema = doc["paths"]["/api/v1/counts"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert set(schema["required"]) == {"total", "updated_at", "pledges", "sectors", "nations"}
    nation = schema["properties"]["nations"]["items"]
    assert set(nation["required"]) == {"code", "name", "count", "hidden"}
    assert "subtracting" in nation["properties"]["count"]["description"]


def test_confirmations_spread_over_shards_and_sum_correctly(make_pledge, make_signature):
    pledge = make_pledge()
    for n in range(40):
        make_signature(f"s{n}@example.org", pledge=pledge)
    shards = db.session.scalars(
        sa.select(Tally.shard).where(Tally.kind == "total", Tally.pledge_id == pledge.id)
    ).all()
    assert len(shards) > 1  # 40 confirmations over 8 shards land on several rows
    assert db.session.scalar(sa.select(sa.func.sum(Tally.count)).where(Tally.kind == "total")) == 40


def test_reconcile_recomputes_exact_figures(client, make_pledge, make_signature):
    pledge = make_pledge()
    for n in range(5):
        make_signature(f"s{n}@example.org", pledge=pledge, area_code="E09000033")
    make_signature("flag@example.org", pledge=pledge, flag_reason="rate-limit-ip")
    # Drift: a tally damaged by hand, and a signature deleted behind the counters' back.
    db.session.execute(sa.update(Tally).values(count=Tally.count + 100))
    db.session.execute(sa.delete(Signature).where(Signature.id == 1))
    db.session.commit()
    tallies.reconcile()
    db.session.commit()
    body = client.get("/api/v1/counts").get_json()
    assert body["total"] == 4
    assert {n["code"]: n["count"] for n in body["nations"]}["E"] is None  # 4: fewer than 10
    days = db.session.execute(sa.select(Tally.key, Tally.count).where(Tally.kind == "day")).all()
    assert len(days) == 1 and days[0][1] == 4 and re.match(r"\d{4}-\d\d-\d\d$", days[0][0])


def test_home_page_shows_totals_progress_chart_and_tables(client, make_pledge, make_signature):
    pledge = make_pledge(target=10)
    for n in range(3):
        make_signature(f"s{n}@example.org", pledge=pledge)
    page = client.get("/").get_data(as_text=True)
    assert "3</strong> confirmed signatures" in page
    assert '<progress max="10" value="3"' in page
    assert '<svg class="chart"' in page and '<title id="chart-title">' in page
    assert "Show the figures as a table" in page
    assert 'England</th><td class="num">fewer than 10' in page


def test_embeddable_counter_and_badge(client, make_pledge, make_signature):
    pledge = make_pledge()
    make_signature(pledge=pledge)
    frame = client.get(f"/embed/counter?pledge={pledge.slug}")
    assert "frame-ancestors *" in frame.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in frame.headers
    assert ">1<" in frame.get_data(as_text=True)
    badge = client.get("/embed/counter.svg")
    assert badge.mimetype == "image/svg+xml" and ">1</text>" in badge.get_data(as_text=True)
