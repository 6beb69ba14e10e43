"""SQLAlchemy Core tables, the engine factory and migrations."""
