"""requests carry the organization that filed them (issue 19): the agency whose referrer
filed it, the organization whose key filed it, the hotline's (or none) for its advocates;
filled in for the requests already filed from their filer's account or key

A referrer then follows every request of their agency, those its CRM filed through a key
too, and the reports filter by organization, from one column.

Revision ID: c6a1f0e2d9b4
Revises: b8d2f4a61c07
Create Date: 2026-12-02 17:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c6a1f0e2d9b4'
down_revision = 'b8d2f4a61c07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_housing_request_organization_id'),
                              ['organization_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_housing_request_organization_id_organization'),
            'organization', ['organization_id'], ['id'])
    op.execute('UPDATE housing_request SET organization_id = (SELECT u.organization_id '
               'FROM "user" u WHERE u.id = housing_request.created_by_id) '
               'WHERE created_by_id IS NOT NULL')
    op.execute('UPDATE housing_request SET organization_id = (SELECT f.organization_id '
               'FROM api_filing f WHERE f.request_id = housing_request.id) '
               'WHERE created_by_id IS NULL')


def downgrade():
    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_housing_request_organization_id_organization'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_housing_request_organization_id'))
        batch_op.drop_column('organization_id')
