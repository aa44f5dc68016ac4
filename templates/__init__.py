"""The Jinja templates; pyproject.toml ships them inside the wheel as placement.templates."""
