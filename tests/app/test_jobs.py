"""The job queue: SQLite by default, Redis when configured, and the site keeps accepting
sign-ups when the queue is down (REL-04)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from campaign.deliveries.models import Delivery
from campaign.deliveries.tasks import sweep_deliveries
from campaign.extensions import db
from campaign.jobs import huey
from campaign.pledges.models import Signature
from tests.conftest import REDIS_URL, free_port, hidden_inputs, service_unavailable


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        service_unavailable("Redis")
    return REDIS_URL


@pytest.fixture
def private_names():
    """Queue and rate-limit keys of this test alone (other test runs may share Redis)."""
    unique = uuid.uuid4().hex[:8]
    return {"HUEY_NAME": f"frontline-test-{unique}", "RATELIMIT_KEY_PREFIX": f"test-{unique}"}


def sign(app, pledge, data):
    client = app.test_client()
    fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))
    return client.post(f"/pledges/{pledge.slug}", data={**fields, **data})


def run_worker_until(predicate, timeout=15.0):
    """A real Huey consumer in this process, as `flask jobs worker` runs it."""
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    return predicate()


def test_sqlite_queue_wakes_a_worker_that_sends_the_mail(
    make_app, make_pledge, sign_data, smtp, tmp_path
):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"))
    with app.app_context():
        assert type(huey.storage).__name__ == "SqliteStorage"
        huey.flush()
        pledge = make_pledge()
        assert sign(app, pledge, sign_data).status_code == 303
        assert smtp.messages == []  # nothing is sent inside the request
        assert huey.pending_count() == 1
        assert run_worker_until(lambda: len(smtp.messages) == 1)
        db.session.expire_all()
        assert db.session.scalar(db.select(Delivery)).status == "sent"


def test_redis_queue_wakes_a_worker_that_sends_the_mail(
    make_app, make_pledge, sign_data, smtp, redis_url, private_names
):
    app = make_app(HUEY_IMMEDIATE=False, REDIS_URL=redis_url, **private_names)
    with app.app_context():
        assert type(huey.storage).__name__ == "RedisStorage"
        pledge = make_pledge()
        assert sign(app, pledge, sign_data).status_code == 303
        assert huey.pending_count() == 1
        assert run_worker_until(lambda: len(smtp.messages) == 1)


def test_rate_limits_are_shared_through_redis(
    make_app, make_pledge, sign_data, smtp, redis_url, private_names
):
    settings = {
        "HUEY_IMMEDIATE": True,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SIGN_RATE_LIMIT_PER_IP": "1 per hour",
        **private_names,
    }
    first = make_app(**settings)
    second = make_app(**settings)
    with first.app_context():
        pledge = make_pledge()
        sign(first, pledge, sign_data)
        slug = pledge.slug
    # Another web process (another app) sees the same counter.
    with second.app_context():
        pledge = make_pledge(slug)
        sign(second, pledge, {**sign_data, "email": "second@example.org"})
        flags = [s.flagged for s in db.session.scalars(db.select(Signature).order_by(Signature.id))]
        assert flags == [False, True]


def test_signups_work_with_redis_down_and_mail_follows_when_it_returns(
    make_app, make_pledge, sign_data, smtp
):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(
        HUEY_IMMEDIATE=False,
        REDIS_URL=dead,
        RATELIMIT_STORAGE_URI=dead,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=dead,
    )
    with app.app_context():
        pledge = make_pledge()
        response = sign(app, pledge, sign_data)
        assert response.status_code == 303
        assert "Check your email" in app.test_client().get(response.headers["Location"]).get_data(
            as_text=True
        )
        assert db.session.scalar(db.select(Signature)).name == "Asha Patel"
        assert db.session.scalar(db.select(Delivery)).status == "queued"
        assert app.test_client().get("/").status_code == 200
        assert app.test_client().get("/api/v1/counts").status_code == 200
        assert smtp.messages == []
        # The queue is back: the periodic sweep finds the row in the database and sends it.
        sweep_deliveries.call_local()
        assert len(smtp.to("asha@example.org")) == 1
