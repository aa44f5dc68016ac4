"""The Alembic migrations; pyproject.toml ships them inside the wheel as placement.migrations."""
