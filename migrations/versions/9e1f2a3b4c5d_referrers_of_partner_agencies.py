"""referrers of partner agencies (issue 19): an account may belong to an organization, and
the role "referrer" (a partner agency's staff, who file and follow their own
organization's requests only)

The way down keeps every account: a referrer becomes an inactive advocate (the role is
gone, and an agency's staff must not sign in as the hotline's advocates).

Revision ID: 9e1f2a3b4c5d
Revises: 5c2e8f1a9d63
Create Date: 2026-12-02 17:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9e1f2a3b4c5d'
down_revision = '5c2e8f1a9d63'
branch_labels = None
depends_on = None

OLD_ROLES = ('advocate', 'coordinator', 'donor', 'admin')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # Committed on its own: PostgreSQL uses a new enum value only after its commit.
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'referrer'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_organization_id'), ['organization_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_organization_id_organization'),
                                    'organization', ['organization_id'], ['id'])


def downgrade():
    op.execute("UPDATE \"user\" SET role = 'advocate', active = false "
               "WHERE role = 'referrer'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_organization_id_organization'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_organization_id'))
        batch_op.drop_column('organization_id')
    if op.get_bind().dialect.name == 'postgresql':
        # PostgreSQL cannot drop an enum value: the type is made again without it.
        op.execute("ALTER TYPE user_role RENAME TO user_role_old")
        sa.Enum(*OLD_ROLES, name='user_role').create(op.get_bind())
        op.execute('ALTER TABLE "user" ALTER COLUMN role TYPE user_role '
                   'USING role::text::user_role')
        op.execute("DROP TYPE user_role_old")
