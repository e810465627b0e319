"""Deliveries are leased to the worker that claimed them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00.000000

delivery.claim_token names the claim (one worker's batch) that holds a `sending` row;
claimed_at becomes the time that worker last renewed its lease. A worker that died is
recognised by a lapsed lease within a minute instead of ten, and a worker that was only
slow can tell that its rows have been taken over. Rows claimed before the upgrade have
no token: any worker takes them once their claimed_at is a lease old (stop the old
workers before upgrading, as for any release).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
