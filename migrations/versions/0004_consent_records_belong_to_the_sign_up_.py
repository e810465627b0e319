"""Consent records belong to the sign-up they came with; inactive supporters re-confirm

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 00:46:53.492373

consent_record.signature_id links each consent given on the sign form to that sign-up,
so deleting an unconfirmed sign-up also deletes what it claimed. Existing rows keep NULL
(their sign-ups were confirmed or are already gone). consent_record.purpose grows to 120
characters: it holds "pledge:" + a slug of up to 80. supporter.reconfirm_requested_at
records when an inactive supporter was asked whether to stay (PRIV-08).
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supporter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconfirm_requested_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_id', sa.Integer(), nullable=True))
        batch_op.alter_column('purpose', existing_type=sa.VARCHAR(length=80),
                              type_=sa.String(length=120), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_consent_record_signature_id'), ['signature_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consent_record_signature_id_signature'),
                                    'signature', ['signature_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_record_signature_id_signature'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consent_record_signature_id'))
        batch_op.alter_column('purpose', existing_type=sa.String(length=120),
                              type_=sa.VARCHAR(length=80), existing_nullable=False)
        batch_op.drop_column('signature_id')
    with op.batch_alter_table('supporter', schema=None) as batch_op:
        batch_op.drop_column('reconfirm_requested_at')
