"""The declarative base shared by every model of the project.

It lives in `partners/` because `partners/` must not import `placement/`; the Flask app
hands this base to Flask-SQLAlchemy so that both see one metadata.
"""

import enum
from datetime import UTC, datetime

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints from the first migration on: Alembic can then drop and alter them by
# name on every backend (SQLite batch mode needs names to recreate tables).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored as naive UTC so SQLite and PostgreSQL agree."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value (readable in SQL and stable across renames of members)."""
    return Enum(enum_type, name=name, values_callable=lambda e: [m.value for m in e])
