"""Declarative base, naming conventions and small column helpers shared by all models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations reproducible across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def now() -> datetime:
    """The shop's clock: naive local time, as the manual shows it (2008-10-21 14:54:49).

    Timestamps are stored naive because both SQLite and the screens work in the
    shop's local time; a callable so defaults are evaluated per row, not at import.
    """
    return datetime.now(UTC).astimezone().replace(tzinfo=None, microsecond=0)


def exists_on(dialect: str, name: str | None, type_: str) -> bool:
    """Whether a schema object of the models is built on ``dialect`` (Alembic's filter)."""
    from .orders import MIGRATION_ONLY_INDEXES, POSTGRESQL_ONLY_INDEXES

    if type_ != "index":
        return True
    if name in MIGRATION_ONLY_INDEXES:
        return False
    return name not in POSTGRESQL_ONLY_INDEXES or dialect == "postgresql"
