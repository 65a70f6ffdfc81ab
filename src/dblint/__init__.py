"""dblint: a static linter for database anti-patterns in SQLAlchemy and Alembic projects."""

from __future__ import annotations

# The one place the version is written (pyproject.toml reads it from here): every `dblint`
# run needs it for its cache key, and asking importlib.metadata costs more than the rest
# of a warm run's start-up imports.
__version__ = "0.1.0"

__all__ = ["__version__"]
