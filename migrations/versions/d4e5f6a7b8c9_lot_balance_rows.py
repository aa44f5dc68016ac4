"""Each lot account's current balance as one row, moved with every ledger entry

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-12-01 20:35:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None

ACCOUNT = postgresql.ENUM('donated', 'available', 'held', 'spent', 'expired',
                          name='ledger_account', create_type=False)  # exists already


def upgrade():
    op.create_table('lot_balance',
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('account', ACCOUNT, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['points_lot.id'], name=op.f('fk_lot_balance_lot_id_points_lot')),
    sa.PrimaryKeyConstraint('lot_id', 'account', name=op.f('pk_lot_balance'))
    )
    # The latest entry of every lot account holds its balance.
    op.execute("""INSERT INTO lot_balance (lot_id, account, seq, balance)
SELECT e.lot_id, e.account, e.seq, e.balance_after
FROM ledger_entry e
JOIN (SELECT lot_id, account, max(seq) AS seq FROM ledger_entry GROUP BY lot_id, account) m
  ON m.lot_id = e.lot_id AND m.account = e.account AND m.seq = e.seq""")


def downgrade():
    op.drop_table('lot_balance')
