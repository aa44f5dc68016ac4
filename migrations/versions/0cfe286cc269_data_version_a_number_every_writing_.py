"""data version: a number every writing commit changes (placement/changes.py), which kept
page bodies are keyed on (placement/page_cache.py)

Revision ID: 0cfe286cc269
Revises: 09f541d7c6dd
Create Date: 2026-12-02 12:12:18.501443

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0cfe286cc269'
down_revision = '09f541d7c6dd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )


def downgrade():
    op.drop_table('data_version')
