"""Declarative base, naming conventions and small column helpers shared by all models."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

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


# The shop's time zone (KTAISHOP_TIMEZONE): a Japanese shop keeps Japanese time whatever
# zone its servers run in, so order dates, 注文日 searches and link expiry agree.
SHOP_TIMEZONE = ZoneInfo(os.environ.get("KTAISHOP_TIMEZONE") or "Asia/Tokyo")


def now() -> datetime:
    """The shop's clock: naive shop-local time, as the manual shows it (2008-10-21 14:54:49).

    Timestamps are stored naive because both SQLite and the screens work in the
    shop's local time; a callable so defaults are evaluated per row, not at import.
    """
    return datetime.now(SHOP_TIMEZONE).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The shop's date (配送希望日, card expiry, the dashboard's 本日)."""
    return now().date()


def exists_on(dialect: str, name: str | None, type_: str) -> bool:
    """Whether a schema object of the models is built on ``dialect`` (Alembic's filter)."""
    from .catalog import POSTGRESQL_ONLY_INDEXES as CATALOG_POSTGRESQL_ONLY_INDEXES
    from .orders import MIGRATION_ONLY_INDEXES, POSTGRESQL_ONLY_INDEXES

    if type_ != "index":
        return True
    if name in MIGRATION_ONLY_INDEXES:
        return False
    postgresql_only = POSTGRESQL_ONLY_INDEXES | CATALOG_POSTGRESQL_ONLY_INDEXES
    return name not in postgresql_only or dialect == "postgresql"
