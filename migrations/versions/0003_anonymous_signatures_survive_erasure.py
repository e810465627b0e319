"""Anonymous signatures survive erasure; room for long pledge slugs in consent records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:15:25.669132

When a supporter erases their data, their confirmed signatures stay counted as anonymous
rows: signature.supporter_id becomes nullable and its foreign key sets NULL instead of
cascading the delete. consent_record.wording_version grows to 160 characters: it holds
the pledge's slug, and 40 was too short for the longer demo slugs on PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.alter_column('wording_version', existing_type=sa.String(length=40),
                              type_=sa.String(length=160), existing_nullable=False)
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.alter_column("supporter_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.drop_constraint(
            batch_op.f("fk_signature_supporter_id_supporter"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_signature_supporter_id_supporter"),
            "supporter",
            ["supporter_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    # The old schema cannot hold anonymous signatures: they are dropped (and uncounted at
    # the next reconciliation).
    op.execute("DELETE FROM signature WHERE supporter_id IS NULL")
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_signature_supporter_id_supporter"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_signature_supporter_id_supporter"),
            "supporter",
            ["supporter_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.alter_column("supporter_id", existing_type=sa.INTEGER(), nullable=False)
