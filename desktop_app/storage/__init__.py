"""Storage: the SQLite file, its tables (SQLAlchemy ORM models) and their migrations (Alembic)."""
