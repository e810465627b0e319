"""The audit log: append-only, in the same transaction as the action, readable and
filterable by admins only (AUD-01)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.audit import AuditLog, record
from campaign.extensions import db
from tests.accounts.conftest import page_text, post_form
from tests.admin.conftest import HUGE


def test_rows_cannot_be_changed_or_deleted(app, make_user):
    user = make_user()
    record(actor=user, action="pledge.update", target="pledge:1")
    db.session.commit()
    entry = db.session.scalar(db.select(AuditLog))

    entry.action = "nothing.happened"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(db.select(AuditLog)))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()

    # Not even with SQL that goes around the application.
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    assert db.session.scalar(db.select(AuditLog.action)) == "pledge.update"


def test_written_in_the_same_transaction_as_the_action(app, make_user):
    user = make_user()
    user.name = "Changed"
    record(actor=user, action="account.renamed", target=f"user:{user.id}")
    db.session.rollback()  # the action failed: no trace of it, nor of its audit row
    assert db.session.scalar(db.select(AuditLog)) is None


def test_admins_read_and_filter_the_log(client, make_pledge, make_user, sign_in):
    pledge = make_pledge(target=100)
    organiser = make_user("olu@example.org")
    admin = make_user("ada@example.org", role="admin")
    record(actor=organiser, action="pledge.update", target=f"pledge:{pledge.id}")
    record(actor=None, action="account.create_admin", target=f"user:{admin.id}")
    db.session.commit()
    sign_in(admin)

    everything = client.get("/admin/audit").get_data(as_text=True)
    for text in ("pledge.update</td>", "account.create_admin</td>", "login.succeeded</td>"):
        assert text in everything
    by_organiser = client.get(f"/admin/audit?actor={organiser.id}").get_data(as_text=True)
    assert "pledge.update</td>" in by_organiser and "login.succeeded</td>" not in by_organiser
    by_action = client.get("/admin/audit?action=login.succeeded").get_data(as_text=True)
    assert "login.succeeded</td>" in by_action and "pledge.update</td>" not in by_action
    by_target = client.get(f"/admin/audit?target=pledge:{pledge.id}").get_data(as_text=True)
    assert "pledge.update</td>" in by_target and "account.create_admin</td>" not in by_target
    none = client.get("/admin/audit?date_to=2001-01-01").get_data(as_text=True)
    assert "Nothing matches." in none
    assert client.get("/admin/audit?date_from=junk").status_code == 200


def test_organisers_cannot_read_the_log(client, make_user, sign_in):
    sign_in(make_user())
    assert client.get("/admin/audit").status_code == 403


def test_the_log_holds_no_supporter_addresses(
    client, make_pledge, make_signature, make_user, sign_in
):
    pledge = make_pledge()
    signature = make_signature(
        "secret.person@example.org", pledge=pledge, flag_reason="rate-limit-ip"
    )
    sign_in(make_user())
    client.get("/admin/signatures?status=flagged")
    post_form(
        client,
        "/admin/signatures",
        {"action": "count", "scope": "selected", "ids": [str(signature.id)], "confirmed": "yes"},
        action="/admin/signatures/review",
    )
    rows = db.session.scalars(db.select(AuditLog)).all()
    assert {r.action for r in rows} >= {"signatures.view", "signatures.count_flagged"}
    for row in rows:
        assert "secret" not in f"{row.target} {row.detail}"
        assert "127.0.0.1" not in row.ip_hash and len(row.ip_hash) == 32


def test_filters_beyond_any_row_or_unreadable_are_an_answer_not_an_error(
    client, without_nul_guard, make_user, sign_in
):
    """Typed or edited by hand in the address bar: never a server error. A filter that
    can't be read is shown as a problem and left out; one no row can meet matches none."""
    admin = make_user("ada@example.org", role="admin")
    sign_in(admin)

    def shown(query):
        return page_text(client, f"/admin/audit?{query}")

    for query in (f"actor={HUGE}", f"actor=-{HUGE}", f"page={HUGE}", "date_from=9999-12-31"):
        assert "Nothing matches." in shown(query), query
    for query in ("date_to=9999-12-31", "date_from=0001-01-01", "action=%00", "target=a%00"):
        assert "login.succeeded</td>" in shown(query), query
    for query in ("action=%00", "target=a%00"):
        assert "There is a problem" in shown(query), query
