from __future__ import annotations

from huey import crontab

from campaign.deliveries.sending import seconds_until_a_claim_lapses, send_due
from campaign.jobs import enqueue, periodic, task

SWEEP_SECONDS = 60


@task()
def send_deliveries() -> None:
    send_due()


@periodic(crontab(minute="*"))
def sweep_deliveries() -> None:
    """Catch anything whose wake-up was lost (queue down, worker crashed). A crashed
    worker's claims are taken as soon as they lapse; if one lapses before the next
    sweep, a send is scheduled for just after, so its rows go within the minute."""
    send_due()
    lapses_in = seconds_until_a_claim_lapses()
    if lapses_in is not None and lapses_in < SWEEP_SECONDS:
        enqueue(send_deliveries, delay=lapses_in + 1)


def wake_sender() -> None:
    """Call after commit: a worker sends what the request queued."""
    enqueue(send_deliveries)
