"""Delivery rows survive their recipient, as anonymous counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00.000000

When a supporter is erased or deleted, their delivery rows stay, without them:
delivery.supporter_id sets NULL instead of cascading the delete, so what a mailing was
sent to (and how it went) can still be counted. The service that deletes supporters
also clears each row's last_error, which can quote the address, and skips what is not
yet sent (campaign/supporters/services.py). ix_delivery_supporter finds a supporter's
rows without reading the whole table: for that, for the foreign key's SET NULL, and for
the per-supporter counts of links and reminders.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_delivery_supporter_id_supporter"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_supporter_id_supporter"),
            "supporter",
            ["supporter_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_delivery_supporter", ["supporter_id"], unique=False)


def downgrade():
    # Anonymous rows are valid in the old schema too (staff mail has no supporter): they
    # stay; only supporters deleted from now on take their rows with them again.
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_supporter")
        batch_op.drop_constraint(
            batch_op.f("fk_delivery_supporter_id_supporter"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_supporter_id_supporter"),
            "supporter",
            ["supporter_id"],
            ["id"],
            ondelete="CASCADE",
        )
