"""The audit log: append-only, in the same transaction as the action, readable and
filterable by admins only (AUD-01)."""

from __future__ import annotations

import ast
import html
import re

import pytest
import sqlalchemy as sa

from campaign.audit import AuditLog, record
from campaign.audit.actions import ACTIONS
from campaign.extensions import db
from tests.accounts.conftest import page_text, post_form
from tests.admin.conftest import HUGE
from tests.conftest import ROOT


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


# How each action shows in the log's "What" column.
PLEDGE_CHANGED = "<td>Changed a pledge</td>"
ADMIN_CREATED = "<td>Created an admin account (from the command line)</td>"
SIGNED_IN = "<td>Signed in</td>"


def test_admins_read_and_filter_the_log(client, make_pledge, make_user, sign_in):
    pledge = make_pledge(target=100)
    organiser = make_user("olu@example.org")
    admin = make_user("ada@example.org", role="admin")
    record(actor=organiser, action="pledge.update", target=f"pledge:{pledge.id}")
    record(actor=None, action="account.create_admin", target=f"user:{admin.id}")
    db.session.commit()
    sign_in(admin)

    everything = client.get("/admin/audit").get_data(as_text=True)
    for text in (PLEDGE_CHANGED, ADMIN_CREATED, SIGNED_IN):
        assert text in everything
    by_organiser = client.get(f"/admin/audit?actor={organiser.id}").get_data(as_text=True)
    assert PLEDGE_CHANGED in by_organiser and SIGNED_IN not in by_organiser
    by_action = client.get("/admin/audit?action=login.succeeded").get_data(as_text=True)
    assert SIGNED_IN in by_action and PLEDGE_CHANGED not in by_action
    by_target = client.get(f"/admin/audit?target=pledge:{pledge.id}").get_data(as_text=True)
    assert PLEDGE_CHANGED in by_target and ADMIN_CREATED not in by_target
    as_shown = page_text(client, f"/admin/audit?target=Pledge+{pledge.id}")  # as the log reads
    assert PLEDGE_CHANGED in as_shown and ADMIN_CREATED not in as_shown
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
        if row.actor_id is not None:  # the organiser's requests; the makers run outside one
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
        assert SIGNED_IN in shown(query), query
    for query in ("action=%00", "target=a%00"):
        assert "There is a problem" in shown(query), query


def _visible_rows(page):
    """The log's rows as a person reads them: tags gone, the "As recorded" boxes closed."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    closed = re.sub(r"<details.*?</details>", "", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", closed)).split())


def test_the_log_reads_in_words_with_the_record_a_click_away(
    client, make_pledge, make_user, sign_in
):
    pledge = make_pledge(target=100)
    organiser = make_user("olu@example.org")
    admin = make_user("ada@example.org", role="admin")
    record(
        actor=organiser,
        action="pledge.update",
        target=f"pledge:{pledge.id}",
        detail={"target": {"from": 100, "to": 2500}, "statement": {"changed": True}},
    )
    record(
        actor=organiser,
        action="signatures.view",
        detail={"status": "flagged", "area_code": "E09000033", "page": 1, "shown": 3},
    )
    record(
        actor=admin,
        action="account.role_changed",
        target=f"user:{organiser.id}",
        detail={"from": "organiser", "to": "admin"},
    )
    record(actor=None, action="login.failed", detail={"step": "password"})
    db.session.commit()
    sign_in(admin)

    page = page_text(client, "/admin/audit")
    seen = _visible_rows(page)
    for words in (
        f"Changed a pledge Pledge {pledge.id} Statement: changed Target: 100 → 2,500",
        "Looked at the list of signatures Local authority: Westminster Status: flagged "
        "Page: 1 Rows shown: 3",
        f"Changed an account’s role Account {organiser.id} Role: Organiser → Admin",
        "Failed to sign in Stopped at: the password",
    ):
        assert words in seen
    for code in ("pledge.update", "signatures.view", "role_changed", "{", "E09000033"):
        assert code not in seen
    # … and each entry exactly as stored, one click away.
    assert page.count("<summary>As recorded</summary>") == len(
        db.session.scalars(db.select(AuditLog)).all()
    )
    stored = f'pledge.update pledge:{pledge.id} {{"statement": {{"changed": true}}, '
    stored += '"target": {"from": 100, "to": 2500}}'
    assert f"<code>{stored}</code>" in html.unescape(page)
    # The filter names actions in words too.
    assert '<option value="pledge.update">Changed a pledge</option>' in page


def _recorded_actions():
    """Every action code a `record(action=...)` call in the application can write."""
    found = {}
    for path in sorted((ROOT / "campaign").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    for value in ast.walk(keyword.value):
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            found[value.value] = path.relative_to(ROOT)
    return found


def test_every_action_the_application_records_has_words():
    recorded = _recorded_actions()
    assert {"pledge.update", "login.failed", "account.totp_changed"} <= set(recorded)
    missing = {action: str(where) for action, where in recorded.items() if action not in ACTIONS}
    assert missing == {}, "add their words to campaign/audit/actions.py"
