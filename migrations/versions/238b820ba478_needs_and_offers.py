"""Needs and offers: a vocabulary of needs (seeded), what each shelter and hotel offers
and what each request needs. Existing requests get no needs and existing places the
default offers of their kind and policy, so no request becomes unplaceable

Revision ID: 238b820ba478
Revises: e4edb04d013b
Create Date: 2026-12-02 06:05:14.519990

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '238b820ba478'
down_revision = 'e4edb04d013b'
branch_labels = None
depends_on = None


# The vocabulary as of this revision (partners/needs.py VOCABULARY, frozen here):
# (code, label, help text, for shelters, for hotels).
LANGUAGES = [
    ("es", "Spanish"), ("zh", "Chinese"), ("vi", "Vietnamese"), ("tl", "Tagalog"),
    ("ar", "Arabic"), ("fr", "French"), ("ht", "Haitian Creole"), ("ko", "Korean"),
    ("ru", "Russian"), ("pt", "Portuguese"),
]
SEED = [
    *((f"lang:{code}", f"Staff speak {name}", f"Someone on staff at intake speaks {name}.",
       True, True) for code, name in LANGUAGES),
    ("no-id", "Accepts guests without ID",
     "Takes guests who have no identification (traffickers often hold it).", True, True),
    ("hotel-age:18", "Checks in guests aged 18 to 20",
     "The hotel checks in a guest of 18 or older (most ask for 21).", False, True),
    ("hotel-age:21", "Checks in guests aged 21 to 24",
     "The hotel checks in a guest of 21 or older (a few ask for 25).", False, True),
    ("trafficking-specialized", "Trafficking-specialized program",
     "Staff trained for survivors of trafficking, with case management.", True, True),
    ("lgbtq-affirming", "LGBTQ+-affirming",
     "Known to welcome LGBTQ+ guests and to house them by their gender identity.", True, True),
    ("pregnant", "Accepts pregnant guests", "Takes guests who are pregnant.", True, False),
    ("teen-boys", "Accepts teenage boys with their family",
     "Takes boys 13 to 17 with their mother or family.", True, False),
    ("dog:under-25", "Dogs under 25 lb", "Takes a dog under 25 pounds.", True, True),
    ("dog:25-60", "Dogs of 25 to 60 lb", "Takes a dog of 25 to 60 pounds.", True, True),
    ("dog:over-60", "Dogs over 60 lb", "Takes a dog over 60 pounds.", True, True),
    ("intake-late", "Intake after 10 pm", "Admits a new guest after 10 pm.", True, False),
    ("mixed-adults", "Adults of more than one gender together",
     "Houses a party whose adults are not all of one gender (`any` and `family` shelters, "
     "and hotels; never women's, men's or same-gender shelters).", True, True),
]

# Default offers of existing places (partners/needs.py default_offer_codes): no request
# has a need yet, so none loses a place; these are what is true of most places of the kind.
DEFAULT_OFFERS = [
    ("shelter_offer", "shelter_id", "shelter",
     "mixed-adults", "policy IN ('any', 'family') AND NOT same_gender"),
    ("shelter_offer", "shelter_id", "shelter", "dog:under-25", "pets"),
    ("hotel_offer", "hotel_id", "hotel", "mixed-adults", "1 = 1"),
    ("hotel_offer", "hotel_id", "hotel", "hotel-age:21", "1 = 1"),
    ("hotel_offer", "hotel_id", "hotel", "dog:under-25", "pets"),
]


def upgrade():
    op.create_table('need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('help_text', sa.String(length=300), nullable=False),
    sa.Column('for_shelters', sa.Boolean(), nullable=False),
    sa.Column('for_hotels', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('for_shelters OR for_hotels', name=op.f('ck_need_applies_somewhere')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need')),
    sa.UniqueConstraint('code', name=op.f('uq_need_code'))
    )
    op.create_table('shelter_offer',
    sa.Column('shelter_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_shelter_offer_need_id_need')),
    sa.ForeignKeyConstraint(['shelter_id'], ['shelter.id'], name=op.f('fk_shelter_offer_shelter_id_shelter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shelter_id', 'need_id', name=op.f('pk_shelter_offer'))
    )
    with op.batch_alter_table('shelter_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shelter_offer_need_id'), ['need_id'], unique=False)

    op.create_table('hotel_offer',
    sa.Column('hotel_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hotel_id'], ['hotel.id'], name=op.f('fk_hotel_offer_hotel_id_hotel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_hotel_offer_need_id_need')),
    sa.PrimaryKeyConstraint('hotel_id', 'need_id', name=op.f('pk_hotel_offer'))
    )
    with op.batch_alter_table('hotel_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotel_offer_need_id'), ['need_id'], unique=False)

    op.create_table('request_need',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_request_need_need_id_need')),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_request_need_request_id_housing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'need_id', name=op.f('pk_request_need'))
    )
    with op.batch_alter_table('request_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_need_need_id'), ['need_id'], unique=False)

    need = sa.table('need', sa.column('code', sa.String), sa.column('label', sa.String),
                    sa.column('help_text', sa.String), sa.column('for_shelters', sa.Boolean),
                    sa.column('for_hotels', sa.Boolean), sa.column('active', sa.Boolean))
    op.bulk_insert(need, [
        dict(code=code, label=label, help_text=help_text, for_shelters=shelters,
             for_hotels=hotels, active=True)
        for code, label, help_text, shelters, hotels in SEED
    ])
    for table, column, places, code, where in DEFAULT_OFFERS:
        op.execute(sa.text(
            f"INSERT INTO {table} ({column}, need_id) SELECT {places}.id, need.id "
            f"FROM {places}, need WHERE need.code = :code AND {where}"
        ).bindparams(code=code))


def downgrade():
    with op.batch_alter_table('request_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_need_need_id'))

    op.drop_table('request_need')
    with op.batch_alter_table('hotel_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotel_offer_need_id'))

    op.drop_table('hotel_offer')
    with op.batch_alter_table('shelter_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shelter_offer_need_id'))

    op.drop_table('shelter_offer')
    op.drop_table('need')
