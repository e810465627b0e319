"""A worker killed mid-batch, for real: worker processes send to an SMTP relay that
holds a reply back or answers slowly, one is killed with SIGKILL, and another takes
over (REL-03: nothing lost, at most one duplicate per crashed worker)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from campaign.deliveries.models import Delivery
from campaign.extensions import db
from campaign.supporters.models import Supporter
from tests.conftest import ROOT, free_port

LEASE_SECONDS = 2  # production: 30
SWEEP_SECONDS = 0.5  # production: every minute, and when a lapsing claim is due

# A worker as `flask jobs worker` runs the periodic sweep, on a short period.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from campaign import create_app
    from campaign.deliveries.tasks import sweep_deliveries
    app = create_app(json.loads(sys.argv[1]))
    while True:
        sweep_deliveries.call_local()
        time.sleep(float(sys.argv[2]))
    """
)


@dataclass
class Relay:
    """An SMTP relay that notes when each message arrived. With `hold_reply_to` = n, the
    n-th message is taken but its 250 is held back until `release` is set: to the worker
    sending it, the message is still in flight."""

    arrivals: list[tuple[float, str]] = field(default_factory=list)
    hold_reply_to: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0  # seconds before each reply: a slow relay
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.append((time.time(), envelope.rcpt_tos[0]))
        if len(self.arrivals) == self.hold_reply_to:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def received(self) -> Counter[str]:
        return Counter(address for _, address in self.arrivals)


@pytest.fixture
def relay() -> Iterator[Relay]:
    handler = Relay(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def start_worker(app, relay) -> Iterator[Any]:
    """Start a worker process on this test's database, sending to the relay."""
    workers: list[subprocess.Popen[bytes]] = []
    shared = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SITE_URL", "POSTCODE_DB", "REDIS_URL")
    settings = {key: app.config[key] for key in shared}
    settings.update(
        TESTING=True,
        RATELIMIT_STORAGE_URI="memory://",
        CACHE_TYPE="NullCache",
        HUEY_IMMEDIATE=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=relay.port,
        MAIL_BATCH_SIZE=50,
        MAIL_CLAIM_LEASE_SECONDS=LEASE_SECONDS,
    )

    def start(**overrides: Any) -> subprocess.Popen[bytes]:
        config = json.dumps({**settings, **overrides})
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, config, str(SWEEP_SECONDS)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait()


def statuses() -> Counter[str]:
    db.session.expire_all()
    return Counter(db.session.scalars(db.select(Delivery.status)))


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(predicate())


def test_a_killed_workers_batch_is_sent_by_the_next_worker_within_a_minute(
    make_signature, relay, start_worker
):
    recipients = [make_signature(f"s{n}@example.org", confirmed=False) for n in range(174)]
    addresses = {s.supporter.email for s in recipients}
    assert statuses() == {"queued": 174}

    # The first worker claims a batch of 50 and gets 20 messages through; the relay
    # takes the 21st but the worker dies before hearing back.
    relay.hold_reply_to = 21
    first = start_worker()
    assert relay.holding.wait(timeout=60), "the first worker never got to its 21st message"
    # While it waits on the relay, sign-ups still commit (no database lock is held).
    started = time.monotonic()
    make_signature("while-sending@example.org", confirmed=False)
    assert time.monotonic() - started < 2
    killed_at = time.time()
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    relay.release.set()
    assert statuses() == {"sent": 20, "sending": 30, "queued": 125}
    in_flight = relay.arrivals[20][1]
    held = set(
        db.session.scalars(
            db.select(Supporter.email).join(Delivery).where(Delivery.status == "sending")
        )
    )
    untouched = held - {in_flight}  # claimed by the dead worker, never tried
    assert len(untouched) == 29

    start_worker()
    assert wait_for(lambda: statuses() == {"sent": 175}, timeout=60), statuses()
    received = relay.received()
    assert set(received) == addresses | {"while-sending@example.org"}
    # At most one message went twice: the one in flight when the worker died.
    assert [address for address, n in received.items() if n > 1] == [in_flight]
    assert max(received.values()) == 2
    # The dead worker's untouched rows went out again within a minute of the kill.
    last_untouched = max(at for at, address in relay.arrivals if address in untouched)
    assert last_untouched - killed_at < 60, f"{last_untouched - killed_at:.1f} s after the kill"


def test_a_slow_worker_keeps_its_claims_while_it_works_through_them(
    make_signature, relay, start_worker
):
    """Its batch takes several leases to send, yet a second worker never takes (and
    sends again) rows the first is still working through."""
    for n in range(40):
        make_signature(f"s{n}@example.org", confirmed=False)
    relay.delay = 0.15  # 20 messages a batch: 3 s, longer than the 2-second lease
    start_worker(MAIL_BATCH_SIZE=20)
    start_worker(MAIL_BATCH_SIZE=20)
    assert wait_for(lambda: statuses() == {"sent": 40}, timeout=60), statuses()
    time.sleep(LEASE_SECONDS + SWEEP_SECONDS)  # time for a wrongly taken row to go again
    received = relay.received()
    assert len(received) == 40
    assert set(received.values()) == {1}
