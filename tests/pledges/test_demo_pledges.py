"""Every demo pledge can be signed and confirmed, on every database (long slugs included)."""

from __future__ import annotations

from urllib.parse import urlsplit

from campaign.demo.cli import load_demo_content
from campaign.extensions import db
from campaign.pledges.models import Pledge
from tests.conftest import hidden_inputs


def test_every_demo_pledge_signs_and_confirms(app, client, smtp, sign_data):
    load_demo_content()
    db.session.commit()
    pledges = db.session.scalars(db.select(Pledge).order_by(Pledge.id)).all()
    assert len(pledges) >= 8
    for n, pledge in enumerate(pledges):
        url = f"/pledges/{pledge.slug}"
        fields = hidden_inputs(client.get(url).get_data(as_text=True))
        email = f"worker{n}@example.org"
        data = {**fields, **sign_data, "email": email, "wants_updates": "y", "wants_alerts": "y"}
        assert client.post(url, data=data).status_code == 303, pledge.slug
        path = urlsplit(smtp.to(email)[0].link("/confirm/")).path
        form = hidden_inputs(client.get(path).get_data(as_text=True))
        assert "your signature is confirmed" in client.post(path, data=form).get_data(as_text=True)
    counts = client.get("/api/v1/counts").get_json()
    assert counts["total"] == len(pledges)
    assert all(p["count"] == 1 for p in counts["pledges"])
