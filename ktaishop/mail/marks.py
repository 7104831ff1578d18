"""Recording "sent" for one outbox row in one cheap, committed statement.

A sender must have a message's "sent" committed before the next message goes out -
that is what limits a killed worker to one duplicate. Through the ORM that commit
(flush, unit of work, BEGIN/COMMIT) cost more than building the mail; here it is a
single ``UPDATE`` in autocommit on the session's own connection, between the
session's transactions. Rows with an order still go through the ORM (they add a
メール送信履歴 row in the same transaction).

On PostgreSQL the statement is only sent by :meth:`SentMarks.start`; its answer is
read by :meth:`SentMarks.wait`, which the sender calls once the next message's
envelope is accepted and before its text goes (``Transport.send(before_data=...)``) -
so the database works while the next mail is built and its envelope is sent, and
still no message goes out before the previous one is recorded. Any other statement on
the connection waits first (connection events), so nothing else can slip in between.
"""

from __future__ import annotations

import select
from datetime import datetime
from typing import Any

from psycopg import pq
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import OutboxMessage, OutboxStatus

_SQL = "UPDATE outbox SET status = {p}, sent_at = {p}, last_error = '' WHERE id = {p}"
_PG_SQL = _SQL.format(p="$%d") % (1, 2, 3)
# Prepared once per database connection (noted in the pool's per-connection info):
# PostgreSQL then neither parses nor plans the statement per message.
_PG_NAME = b"ktaishop_outbox_sent"
_PREPARED = "ktaishop.outbox_sent_prepared"
_GUARDED = ("before_cursor_execute", "commit", "rollback")


class MarkError(Exception):
    """The database did not take a "sent" mark; the worker must reconnect."""


class SentMarks:
    """Marks rows sent on one Connection (PostgreSQL or SQLite); use as a context.

    Leaving the context waits for the last mark and stops guarding the connection.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"
        self.raw: Any = connection.connection.driver_connection
        self._to_db = OutboxMessage.__table__.c.sent_at.type.bind_processor(connection.dialect)
        self._pending: OutboxMessage | None = None

    @classmethod
    def for_session(cls, session: Session) -> SentMarks | None:
        """Marks for a session bound to one Connection (``sending_session``), else None."""
        bind = session.get_bind()
        if isinstance(bind, Connection) and bind.dialect.name in ("postgresql", "sqlite"):
            return cls(bind)
        return None

    def __enter__(self) -> SentMarks:
        for name in _GUARDED:
            event.listen(self.connection, name, self._guard)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in _GUARDED:
            event.remove(self.connection, name, self._guard)
        self.wait()

    def _guard(self, *args: object) -> None:
        self.wait()

    def start(self, session: Session, message: OutboxMessage, sent_at: datetime) -> None:
        """Record ``message`` as sent; on PostgreSQL only sent, ``wait`` confirms it.

        The object shows "sent" at once; if the mark then fails, the caller drops the
        session (MarkError) and the row's lease brings it back.

        :raise MarkError: when the database refused or the connection is gone.
        """
        if session.in_transaction() or session.dirty:
            session.commit()  # autocommit below needs the connection idle
        self.wait()
        value = self._to_db(sent_at) if self._to_db else sent_at
        try:
            if self.postgresql:
                self._send_postgresql(message.id, value)
                self._pending = message
            else:
                self.raw.execute(_SQL.format(p="?"), (OutboxStatus.SENT.value, value,
                                                      message.id))
        except Exception as error:  # driver errors are not SQLAlchemy's
            raise MarkError(f"outbox {message.id}: could not record sent: {error}") from error
        _show_sent(message, sent_at)

    def _send_postgresql(self, message_id: int, value: Any) -> None:
        pgconn = self.raw.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise MarkError(f"connection not idle ({pgconn.transaction_status!r})")
        if not self.connection.info.get(_PREPARED):
            pgconn.exec_(b"DEALLOCATE " + _PG_NAME)  # left from a failed run? (error if not)
            result = pgconn.prepare(_PG_NAME, _PG_SQL.encode())
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise MarkError((result.error_message or b"").decode("utf-8", "replace"))
            self.connection.info[_PREPARED] = True
        params = [OutboxStatus.SENT.value.encode(), str(value).encode(), str(message_id).encode()]
        pgconn.send_query_prepared(_PG_NAME, params)
        while pgconn.flush():  # non-blocking connection: push the rest when writable
            select.select([], [pgconn.socket], [], 30.0)

    def wait(self) -> None:
        """Block until the last mark is committed (no-op when none is outstanding).

        :raise MarkError: when it was not.
        """
        if self._pending is None:
            return
        message, self._pending = self._pending, None
        pgconn = self.raw.pgconn
        failure = ""
        try:
            while (result := pgconn.get_result()) is not None:
                if result.status != pq.ExecStatus.COMMAND_OK:
                    failure = (result.error_message or b"").decode("utf-8", "replace")
        except Exception as error:
            failure = str(error)
        if failure:
            self.connection.info.pop(_PREPARED, None)  # prepare again on a new try
            raise MarkError(f"outbox {message.id}: could not record sent: {failure}")


def _show_sent(message: OutboxMessage, sent_at: datetime) -> None:
    """The object shows the committed state without being flushed again."""
    set_committed_value(message, "status", OutboxStatus.SENT)
    set_committed_value(message, "sent_at", sent_at)
    set_committed_value(message, "last_error", "")
