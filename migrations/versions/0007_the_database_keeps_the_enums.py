"""The database keeps the enums: a check constraint on every column with a fixed set

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00.000000

Each column whose values come from a fixed set in the code now refuses any other value:
delivery.status and .stream, alert_subscription.frequency, consent_record.channel,
suppression.reason, tally.kind, signature.flag_reason and invitation.role (signature.
display and user_account.role had theirs already). The sets are written out here as
they are today; the code's tuples (in each feature's models.py) may grow, and each
change ships its own migration. An existing row with another value stops the upgrade:
none can exist, since only the code writes these columns.

On SQLite each table is rebuilt (batch mode); migrations/env.py turns foreign keys off
meanwhile, so rebuilding signature does not cascade to the consent records of it.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHECKS = {
    "delivery": [
        (
            "status_choice",
            "status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')",
        ),
        ("stream_choice", "stream IN ('transactional', 'alerts', 'campaign')"),
    ],
    "alert_subscription": [("frequency_choice", "frequency IN ('immediate', 'daily', 'weekly')")],
    "consent_record": [
        ("channel_choice", "channel IN ('sign form', 'manage page', 'unsubscribe link')")
    ],
    "suppression": [
        ("reason_choice", "reason IN ('unsubscribed', 'erased', 'bounced', 'complaint')")
    ],
    "tally": [("kind_choice", "kind IN ('total', 'area', 'day')")],
    "signature": [
        ("flag_reason_choice", "flag_reason IN ('', 'rate-limit-ip', 'rate-limit-domain')")
    ],
    "invitation": [("role_choice", "role IN ('coordinator', 'organiser', 'admin')")],
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), condition)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in checks:
                batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
