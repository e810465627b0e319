"""Sectors, pledges, supporters, signatures, consent, tallies, deliveries

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 23:41:36.270950

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sector',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector')),
    sa.UniqueConstraint('slug', name=op.f('uq_sector_slug'))
    )
    op.create_table('supporter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('wants_updates', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supporter')),
    sa.UniqueConstraint('email_hash', name=op.f('uq_supporter_email_hash'))
    )
    op.create_table('suppression',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_suppression'))
    )
    op.create_table('alert_subscription',
    sa.Column('supporter_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['sector.id'], name=op.f('fk_alert_subscription_sector_id_sector'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporter.id'], name=op.f('fk_alert_subscription_supporter_id_supporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supporter_id', 'sector_id', name=op.f('pk_alert_subscription'))
    )
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('wording_version', sa.String(length=40), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporter.id'], name=op.f('fk_consent_record_supporter_id_supporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index('ix_consent_record_supporter', ['supporter_id', 'at'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('stream', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporter.id'], name=op.f('fk_delivery_supporter_id_supporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('kind', 'source_id', 'supporter_id', 'seq', name=op.f('uq_delivery_kind_source_id_supporter_id_seq'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('wording_version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target > 0', name=op.f('ck_pledge_target_positive')),
    sa.ForeignKeyConstraint(['sector_id'], ['sector.id'], name=op.f('fk_pledge_sector_id_sector')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge')),
    sa.UniqueConstraint('slug', name=op.f('uq_pledge_slug'))
    )
    op.create_table('signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('display', sa.String(length=10), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=False),
    sa.Column('wording_version', sa.Integer(), nullable=False),
    sa.Column('wants_updates', sa.Boolean(), nullable=False),
    sa.Column('wants_alerts', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flag_reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("display IN ('none', 'initial', 'full')", name=op.f('ck_signature_display_choice')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_signature_pledge_id_pledge')),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporter.id'], name=op.f('fk_signature_supporter_id_supporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature')),
    sa.UniqueConstraint('pledge_id', 'supporter_id', name=op.f('uq_signature_pledge_id_supporter_id'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index('ix_signature_confirmed_at', ['confirmed_at'], unique=False)
        batch_op.create_index('ix_signature_pledge_confirmed', ['pledge_id', 'confirmed_at'], unique=False)
        batch_op.create_index('ix_signature_supporter', ['supporter_id'], unique=False)

    op.create_table('tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_tally_pledge_id_pledge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally')),
    sa.UniqueConstraint('kind', 'pledge_id', 'key', 'shard', name=op.f('uq_tally_kind_pledge_id_key_shard'))
    )


def downgrade():
    op.drop_table('tally')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_supporter')
        batch_op.drop_index('ix_signature_pledge_confirmed')
        batch_op.drop_index('ix_signature_confirmed_at')

    op.drop_table('signature')
    op.drop_table('pledge')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_due')

    op.drop_table('delivery')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_record_supporter')

    op.drop_table('consent_record')
    op.drop_table('alert_subscription')
    op.drop_table('suppression')
    op.drop_table('supporter')
    op.drop_table('sector')
