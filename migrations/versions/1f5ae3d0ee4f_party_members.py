"""The party as people without names: one row per person (age band and gender). Existing
requests get people that keep their counts and gender (adults of the party's gender and
no recorded age, children of no recorded age or gender; in a party with no adult the
children had the party's gender), so they read and plan as before, with no need added.
Requests already purged get none (retention deletes people).

Revision ID: 1f5ae3d0ee4f
Revises: 7a02b748e5c5
Create Date: 2026-12-02 08:56:33.951299

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f5ae3d0ee4f'
down_revision = '7a02b748e5c5'
branch_labels = None
depends_on = None

AGE_BANDS = ('adult-25', 'adult-21', 'adult-18', 'teen', 'child', 'adult', 'minor')
GENDERS = ('female', 'male', 'nonbinary', 'unknown')


def people_of(request_id, adults, children, gender):
    """The people a party known by its counts stands for (placement/requests/party.py
    people_from_counts, frozen here)."""
    child_gender = 'unknown' if adults else gender
    bands = [('adult', gender)] * adults + [('minor', child_gender)] * children
    return [dict(request_id=request_id, position=i, age_band=band, gender=who)
            for i, (band, who) in enumerate(bands)]


def upgrade():
    party_member = op.create_table('party_member',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.Enum(*AGE_BANDS, name='age_band'), nullable=False),
    sa.Column('gender', sa.Enum(*GENDERS, name='person_gender'), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_party_member_request_id_housing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'position', name=op.f('pk_party_member'))
    )
    parties = op.get_bind().execute(sa.text(
        "SELECT id, adults, children, gender FROM housing_request WHERE purged_at IS NULL"))
    rows = [row for party in parties for row in people_of(*party)]
    if rows:
        op.bulk_insert(party_member, rows)


def downgrade():
    op.drop_table('party_member')
    sa.Enum(name='person_gender').drop(op.get_bind(), checkfirst=True)
    sa.Enum(name='age_band').drop(op.get_bind(), checkfirst=True)
