"""The database keeps the enums: every column with a fixed set of values takes each value
of its tuple in the code, and refuses anything else, whoever writes it (STYLE.md rule 3).
tests/test_migrations.py checks that the migrations create the same constraints."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Invitation, User
from campaign.accounts.roles import ROLES
from campaign.deliveries.models import STATUSES, Delivery
from campaign.email import STREAM_NAMES
from campaign.extensions import db
from campaign.pledges.models import DISPLAYS, FLAG_REASON_CODES, TALLY_KINDS, Signature, Tally
from campaign.supporters.models import (
    CONSENT_CHANNELS,
    FREQUENCIES,
    SUPPRESSION_REASONS,
    AlertSubscription,
    ConsentRecord,
    Suppression,
)
from campaign.supporters.services import suppress

ENUMS = [
    (Delivery, "status", STATUSES),
    (Delivery, "stream", STREAM_NAMES),
    (AlertSubscription, "frequency", FREQUENCIES),
    (ConsentRecord, "channel", CONSENT_CHANNELS),
    (Suppression, "reason", SUPPRESSION_REASONS),
    (Signature, "display", DISPLAYS),
    (Signature, "flag_reason", ("", *FLAG_REASON_CODES)),
    (Tally, "kind", TALLY_KINDS),
    (User, "role", ROLES),
    (Invitation, "role", ROLES),
]


@pytest.fixture
def one_row_each(make_signature):
    """A row in every table with an enum column: a sign-up (signature, consent records,
    alert subscription, delivery), its tallies once confirmed, a suppression, accounts."""
    make_signature("asha@example.org", wants_alerts=True)
    suppress(email_hash_value="0" * 64, reason="erased")
    db.session.add_all(
        [User(email="ada@example.org", role="admin"), Invitation(email="n@x.org", role="admin")]
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("model", "column", "values"), ENUMS, ids=[f"{m.__tablename__}.{c}" for m, c, _ in ENUMS]
)
def test_the_database_takes_each_value_and_refuses_any_other(one_row_each, model, column, values):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) >= 1
    for value in values:
        db.session.execute(sa.update(model).values({column: value}))
        db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(model).values({column: "nope"}))  # short: fits every column
    db.session.rollback()
