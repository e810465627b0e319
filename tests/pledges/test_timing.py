"""Signing a second time must not answer faster than the first (BOT-03): the time a
sign-up takes must not tell whether an address had signed already."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from campaign.extensions import db
from campaign.pledges.models import Signature
from tests.conftest import hidden_inputs


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()[:3]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_first_and_repeat_sign_ups_make_the_same_round_trips(
    make_app, tmp_path, make_pledge, sign_data
):
    # As in production, mail goes out from a worker, not inside the request.
    app = make_app(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"))
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        url = f"/pledges/{pledge.slug}"
        data = {**sign_data, "wants_updates": "y", "wants_alerts": "y"}
        runs = []
        for _ in range(2):
            fields = hidden_inputs(client.get(url).get_data(as_text=True))
            with statements() as seen:
                assert client.post(url, data={**fields, **data}).status_code == 303
            runs.append(seen)
            for signature in db.session.scalars(db.select(Signature)):  # not a double click
                signature.created_at -= timedelta(minutes=5)
            db.session.commit()
    first, repeat = runs
    assert len(first) == len(repeat), (first, repeat)
    # The same tables, written and read in the same order, but for the one step that is a
    # write of consent records the first time and a read of the signature the second.
    differing = [(a, b) for a, b in zip(first, repeat, strict=True) if a != b]
    assert len(differing) <= 1, differing
