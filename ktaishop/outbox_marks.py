"""Recording "sent" for one outbox row in one cheap, committed statement.

A sender must have a message's "sent" committed before the next message goes out -
that is what limits a killed worker to one duplicate. Through the ORM that commit
(flush, unit of work, BEGIN/COMMIT) cost more than building the mail; here it is a
single prepared ``UPDATE`` in autocommit on the session's own connection, between
the session's transactions. Rows with an order still go through the ORM (they add a
メール送信履歴 row in the same transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import OutboxMessage, OutboxStatus

_SQL = "UPDATE outbox SET status = {p}, sent_at = {p}, last_error = '' WHERE id = {p}"


class MarkError(Exception):
    """The database did not take a "sent" mark; the worker must reconnect."""


class SentMarks:
    """Marks rows sent on ``session``'s connection (PostgreSQL or SQLite)."""

    def __init__(self, connection: Connection) -> None:
        self.dialect = connection.dialect
        self.raw: Any = connection.connection.driver_connection
        self._to_db = OutboxMessage.__table__.c.sent_at.type.bind_processor(self.dialect)

    @classmethod
    def for_session(cls, session: Session) -> SentMarks | None:
        """Marks for a session bound to one Connection (``sending_session``), else None."""
        bind = session.get_bind()
        if isinstance(bind, Connection) and bind.dialect.name in ("postgresql", "sqlite"):
            return cls(bind)
        return None

    def mark(self, session: Session, message: OutboxMessage, sent_at: datetime) -> None:
        """Commit ``message`` as sent now; the object shows it without being flushed.

        :raise MarkError: when the database refused or the connection is gone.
        """
        if session.in_transaction() or session.dirty:
            session.commit()  # autocommit below needs the connection idle
        value = self._to_db(sent_at) if self._to_db else sent_at
        try:
            if self.dialect.name == "postgresql":
                self._mark_postgresql(message.id, value)
            else:
                self.raw.execute(_SQL.format(p="?"), (OutboxStatus.SENT.value, value,
                                                      message.id))
        except Exception as error:  # driver errors are not SQLAlchemy's
            raise MarkError(f"outbox {message.id}: could not record sent: {error}") from error
        set_committed_value(message, "status", OutboxStatus.SENT)
        set_committed_value(message, "sent_at", sent_at)
        set_committed_value(message, "last_error", "")

    def _mark_postgresql(self, message_id: int, value: Any) -> None:
        self.raw.autocommit = True
        try:
            self.raw.execute(_SQL.format(p="%s"), (OutboxStatus.SENT.value, value, message_id),
                             prepare=True)
        finally:
            self.raw.autocommit = False
