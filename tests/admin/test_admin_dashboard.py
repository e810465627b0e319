"""The dashboard: aggregates only, never a name or an address."""

from __future__ import annotations

from datetime import timedelta

from campaign.deliveries.models import Delivery
from campaign.extensions import db
from campaign.timeutil import utcnow


def test_dashboard_figures(client, make_pledge, make_signature, make_user, sign_in):
    pledge = make_pledge(target=40)
    make_signature("a@example.org", pledge=pledge, name="Asha Patel")
    earlier = make_signature("b@example.org", pledge=pledge)
    earlier.confirmed_at = utcnow() - timedelta(days=8)
    make_signature("c@example.org", pledge=pledge, confirmed=False)
    make_signature("d@example.org", pledge=pledge, flag_reason="rate-limit-ip")
    failed = db.session.scalars(db.select(Delivery)).first()
    failed.status = "failed"
    db.session.commit()
    sign_in(make_user())

    page = client.get("/admin/").get_data(as_text=True)
    text = " ".join(page.split())
    assert '<span class="stat">2</span> signatures counted' in text
    assert '<span class="stat">2</span> confirmed today' in text  # a and the flagged d
    assert '<span class="stat">1</span> waiting for confirmation' in text
    assert "flagged, waiting for review" in text and 'class="stat">1</span> <a' in text
    assert '<span class="stat">1</span> emails failed' in text
    assert "Asha" not in page and "@example.org" not in page.replace("olu@example.org", "")
    assert ">40<" in page  # the target
