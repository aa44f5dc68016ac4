"""an index of stay extensions for the reports (issue 18): the audit log's "extend" events
alone, by the stay they extended, so that the reports' extensions figure never reads the
whole log (it grows by every action anyone takes)

Revision ID: 5c2e8f1a9d63
Revises: 4bfccccb3799
Create Date: 2026-12-02 17:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c2e8f1a9d63'
down_revision = '4bfccccb3799'
branch_labels = None
depends_on = None

EXTENSIONS = "action = 'extend'"


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_extensions', ['subject_id'], unique=False,
                              sqlite_where=sa.text(EXTENSIONS),
                              postgresql_where=sa.text(EXTENSIONS))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_extensions', sqlite_where=sa.text(EXTENSIONS),
                            postgresql_where=sa.text(EXTENSIONS))
