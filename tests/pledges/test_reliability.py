"""REL-01, REL-02: one transaction per sign-up; concurrent twins make one signature."""

from __future__ import annotations

import threading

import pytest

from campaign.deliveries.models import Delivery
from campaign.extensions import db
from campaign.pledges import services
from campaign.pledges.models import Signature
from campaign.supporters.models import Supporter
from tests.conftest import hidden_inputs


def test_signature_and_its_delivery_commit_together(
    make_app, make_pledge, sign_data, smtp, monkeypatch
):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        fields = hidden_inputs(client.get(f"/pledges/{pledge.slug}").get_data(as_text=True))

        def broken_queue(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(services, "queue_delivery", broken_queue)
        response = client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data})
        # No success page without a commit, and no half-written sign-up left behind.
        assert response.status_code == 500
        assert "Check your email" not in response.get_data(as_text=True)
        db.session.rollback()
        assert db.session.scalars(db.select(Signature)).all() == []
        assert db.session.scalars(db.select(Supporter)).all() == []
        assert smtp.messages == []


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_identical_submissions_give_one_signature(
    make_app, make_pledge, sign_data, smtp, round_
):
    app = make_app()
    with app.app_context():
        pledge = make_pledge()
        url = f"/pledges/{pledge.slug}"
        email = f"twin{round_}@example.org"
        clients = [app.test_client() for _ in range(4)]
        forms = [hidden_inputs(c.get(url).get_data(as_text=True)) for c in clients]
        barrier = threading.Barrier(len(clients))
        statuses: list[int] = []

        def submit(client, fields):
            barrier.wait()
            response = client.post(url, data={**fields, **sign_data, "email": email})
            statuses.append(response.status_code)

        threads = [
            threading.Thread(target=submit, args=pair) for pair in zip(clients, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert statuses == [303] * len(clients)
        db.session.expire_all()
        assert len(db.session.scalars(db.select(Signature)).all()) == 1
        confirmations = db.session.scalars(
            db.select(Delivery).filter_by(kind="confirm_signature")
        ).all()
        assert len(confirmations) == 1
        subjects = [m.message["Subject"] for m in smtp.to(email)]
        assert subjects.count("Confirm your pledge") == 1
