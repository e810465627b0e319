from __future__ import annotations

from huey import crontab

from campaign.deliveries.sending import requeue_stale_claims, send_due
from campaign.jobs import enqueue, periodic, task


@task()
def send_deliveries() -> None:
    send_due()


@periodic(crontab(minute="*"))
def sweep_deliveries() -> None:
    """Catch anything whose wake-up was lost (queue down, worker crashed)."""
    requeue_stale_claims()
    send_due()


def wake_sender() -> None:
    """Call after commit: a worker sends what the request queued."""
    enqueue(send_deliveries)
