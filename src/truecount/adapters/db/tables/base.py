"""The shared MetaData with a naming convention Alembic can rely on."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: BIGINT on PostgreSQL, INTEGER on SQLite (so SQLite's rowid autoincrement works).
Id = BigInteger().with_variant(Integer(), "sqlite")

#: A quantity, a level, an offered figure: 64-bit on both backends (BIGINT on PostgreSQL; SQLite's
#: INTEGER already is), so SQLite and PostgreSQL store the same figures (up to 2^63 - 1).
Quantity = BigInteger().with_variant(Integer(), "sqlite")
