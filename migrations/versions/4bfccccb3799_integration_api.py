"""The integration API (issue 19): organizations (the hotline, partner agencies), their
integration keys (a hash of the secret, scopes, expiry, rate limit) and the per-minute
call counters; which organization's key filed a request, with the idempotency of filing;
the events of those requests' status (the feed of changes) and their webhooks with the
deliveries; the key an audit event was made with. A request filed through the API has no
advocate: `housing_request.created_by_id` may be NULL.

The way down refuses while requests filed through the API exist (they have no advocate to
go back to); delete them first if that is really meant.

Revision ID: 4bfccccb3799
Revises: 3a7c1e9d2b40
Create Date: 2026-12-02 16:37:05.047337

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4bfccccb3799'
down_revision = '3a7c1e9d2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('hotline', 'agency', name='organization_kind'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name'))
    )
    op.create_table('integration_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('secret_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('rate_limit', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_integration_key_created_by_id_user')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_integration_key_organization_id_organization')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_integration_key_revoked_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_integration_key_prefix'))
    )
    with op.batch_alter_table('integration_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_key_organization_id'), ['organization_id'], unique=False)

    op.create_table('webhook_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_webhook_subscription_created_by_id_user')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_webhook_subscription_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription'))
    )
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscription_organization_id'), ['organization_id'], unique=False)

    op.create_table('api_filing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_digest', sa.LargeBinary(length=32), nullable=True),
    sa.Column('body_digest', sa.LargeBinary(length=32), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['integration_key.id'], name=op.f('fk_api_filing_key_id_integration_key')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_api_filing_organization_id_organization')),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_api_filing_request_id_housing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_filing')),
    sa.UniqueConstraint('key_id', 'idempotency_digest', name=op.f('uq_api_filing_key_id_idempotency_digest')),
    sa.UniqueConstraint('request_id', name=op.f('uq_api_filing_request_id'))
    )
    with op.batch_alter_table('api_filing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_filing_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_filing_organization_id'), ['organization_id'], unique=False)

    op.create_table('api_rate_window',
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['integration_key.id'], name=op.f('fk_api_rate_window_key_id_integration_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_id', 'window_start', name=op.f('pk_api_rate_window'))
    )
    op.create_table('request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_request_event_organization_id_organization')),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_request_event_request_id_housing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_event'))
    )
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_event_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_event_request_id'), ['request_id'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['request_event.id'], name=op.f('fk_webhook_delivery_event_id_request_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'], name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('event_id', 'subscription_id', name=op.f('uq_webhook_delivery_event_id_subscription_id'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_subscription_id'), ['subscription_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_key_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_actor_key_id_integration_key'), 'integration_key', ['actor_key_id'], ['id'])

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.alter_column('created_by_id',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade():
    filed = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM housing_request WHERE created_by_id IS NULL")).scalar()
    if filed:
        raise RuntimeError(f"{filed} requests were filed through the integration API and "
                           "have no advocate: the schema cannot go back while they exist")
    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.alter_column('created_by_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_actor_key_id_integration_key'), type_='foreignkey')
        batch_op.drop_column('actor_key_id')

    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_state'))
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_next_attempt_at'))

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_event_request_id'))
        batch_op.drop_index(batch_op.f('ix_request_event_organization_id'))

    op.drop_table('request_event')
    op.drop_table('api_rate_window')
    with op.batch_alter_table('api_filing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_filing_organization_id'))
        batch_op.drop_index(batch_op.f('ix_api_filing_created_at'))

    op.drop_table('api_filing')
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscription_organization_id'))

    op.drop_table('webhook_subscription')
    with op.batch_alter_table('integration_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_key_organization_id'))

    op.drop_table('integration_key')
    op.drop_table('organization')
    sa.Enum(name='organization_kind').drop(op.get_bind(), checkfirst=True)
