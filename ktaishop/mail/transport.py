"""Mail transports chosen by ``MAIL_URL``: SMTP (plain, STARTTLS, SMTPS) or ``.eml`` files.

``transport_from_url(url)`` gives an object with ``send(data, mail_from, rcpts)`` and
``close()``. An SMTP transport keeps its connection open between messages (one
handshake for a whole newsletter) and reconnects by itself when the server has hung
up while idle. Every failure is raised as ``TemporaryMailError`` (try again later:
4xx answers, dropped or refused connections, timeouts) or ``PermanentMailError``
(5xx answers), each carrying the server's answer and a Japanese explanation.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT = 30.0


class MailError(Exception):
    """A message could not be delivered to the transport; ``message`` is for people."""

    permanent = False

    def __init__(self, message: str, *, code: int | None = None, answer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.answer = answer


class TemporaryMailError(MailError):
    """Worth trying again later (4xx, connection trouble)."""


class PermanentMailError(MailError):
    """The server refused for good (5xx); ``refused_recipient`` names whom, if one."""

    permanent = True

    def __init__(self, message: str, *, code: int | None = None, answer: str = "",
                 refused_recipient: str | None = None) -> None:
        super().__init__(message, code=code, answer=answer)
        self.refused_recipient = refused_recipient


class Transport(Protocol):
    def send(self, data: bytes, mail_from: str, rcpts: Sequence[str],
             before_data: Callable[[], None] | None = None) -> None: ...

    def close(self) -> None: ...


def transport_from_url(url: str) -> Transport:
    """The transport ``url`` names.

    :raise ValueError: on an unknown scheme or a URL without a host/directory.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        directory = unquote(parts.netloc + parts.path)
        if not directory:
            raise ValueError(f"MAIL_URL file:// needs a directory: {url!r}")
        return FileTransport(Path(directory))
    modes = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
    if scheme not in modes or not parts.hostname:
        raise ValueError(
            f"MAIL_URL must be smtp://, smtp+starttls://, smtps:// or file://: {url!r}")
    default_port = 465 if scheme == "smtps" else (587 if scheme == "smtp+starttls" else 25)
    return SmtpTransport(SmtpConfig(
        host=parts.hostname, port=parts.port or default_port, mode=modes[scheme],
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    ))


class FileTransport:
    """Writes each message as ``DIR/<time>-<random>.eml`` (written whole, then renamed).

    The folder is made private (0700) and each file 0600 whatever the umask: mail
    files hold customers' addresses and their confirmation and reset links.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, data: bytes, mail_from: str, rcpts: Sequence[str],
             before_data: Callable[[], None] | None = None) -> None:
        if before_data is not None:
            before_data()
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
            temporary = self.directory / f".{name}.tmp"
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self.directory / name)
        except OSError as error:
            raise TemporaryMailError(f"メールファイルを書き込めません: {error}") from error

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mode: str  # 'plain' | 'starttls' | 'ssl'
    user: str | None = None
    password: str | None = None
    timeout: float = SMTP_TIMEOUT


class SmtpTransport:
    """One reused SMTP connection; not thread-safe (one per worker thread)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def send(self, data: bytes, mail_from: str, rcpts: Sequence[str],
             before_data: Callable[[], None] | None = None) -> None:
        """Deliver ``data`` to ``rcpts``; a refused secondary recipient is skipped.

        A connection the server closed while idle is noticed at MAIL FROM, before any
        of the message went out, so that case reconnects and tries once more.
        ``before_data`` runs after the envelope was accepted and before the message
        itself goes; if it raises, the transaction is abandoned and nothing is sent.
        """
        fresh = self._conn is None
        try:
            conn = self._connect()
            in_data = self._envelope(conn, mail_from, rcpts)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            self._drop()
            if fresh:
                raise TemporaryMailError("メールサーバーとの接続が切れました。") from None
            conn = self._connect()
            in_data = self._envelope_or_raise(conn, mail_from, rcpts)
        if before_data is not None:
            try:
                before_data()
            except BaseException:
                self._abandon(conn, in_data)
                raise
        self._data(conn, data, in_data)

    def _envelope_or_raise(self, conn: smtplib.SMTP, mail_from: str,
                           rcpts: Sequence[str]) -> bool:
        try:
            return self._envelope(conn, mail_from, rcpts)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            self._drop()
            raise TemporaryMailError("メールサーバーとの接続が切れました。") from None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        c = self.config
        try:
            if c.mode == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            conn.ehlo()
            if c.mode == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if c.user:
                conn.login(c.user, c.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentMailError("メールサーバーの認証に失敗しました。",
                                     code=error.smtp_code, answer=_text(error.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryMailError(
                f"メールサーバー（{c.host}:{c.port}）に接続できません: {error}") from None
        self._conn = conn
        return conn

    def _envelope(self, conn: smtplib.SMTP, mail_from: str, rcpts: Sequence[str]) -> bool:
        """MAIL FROM and RCPT TO; the first recipient (To) must be accepted.

        A server that offers PIPELINING (RFC 2920; Postfix and the carriers' servers
        do) gets MAIL, RCPT and DATA in one write: one wait for the answers instead of
        one per command. Returns True when DATA has been accepted too (354).
        The addresses are already in SMTP form (``envelope_address``), so they are
        written as they are instead of through smtplib's ``quoteaddr`` parser.
        """
        if conn.has_extn("pipelining"):
            self._pipelined_envelope(conn, mail_from, rcpts)
            return True
        self._checked(conn, conn.docmd("mail", f"FROM:<{mail_from}>"), "MAIL FROM")
        for index, rcpt in enumerate(rcpts):
            code, answer = conn.docmd("rcpt", f"TO:<{rcpt}>")
            if code in (250, 251):
                continue
            if index == 0:
                self._reset(conn)
                raise _refusal(code, answer, f"宛先 {rcpt}", refused=rcpt)
            # A refused Cc/Bcc must not keep the purchaser from getting the mail.
        return False

    def _pipelined_envelope(self, conn: smtplib.SMTP, mail_from: str,
                            rcpts: Sequence[str]) -> None:
        commands = [f"MAIL FROM:<{mail_from}>", *(f"RCPT TO:<{rcpt}>" for rcpt in rcpts),
                    "DATA"]
        conn.send("".join(f"{command}\r\n" for command in commands))
        mail_reply = conn.getreply()
        to_code, to_answer = conn.getreply()
        for _ in rcpts[1:]:
            conn.getreply()  # a refused Cc/Bcc does not stop the mail
        data_code, data_answer = conn.getreply()
        in_data = data_code == 354
        if mail_reply[0] != 250:
            error = _refusal(*mail_reply, "MAIL FROM")
        elif to_code not in (250, 251):
            error = _refusal(to_code, to_answer, f"宛先 {rcpts[0]}", refused=rcpts[0])
        elif not in_data:
            error = _refusal(data_code, data_answer, "本文")
        else:
            return
        self._abandon(conn, in_data)
        raise error

    def _abandon(self, conn: smtplib.SMTP, in_data: bool) -> None:
        """End a transaction without sending the message.

        Inside DATA only hanging up does that: a server delivers nothing that did not
        end with its final dot.
        """
        if in_data:
            self._drop()
        else:
            self._reset(conn)

    def _data(self, conn: smtplib.SMTP, data: bytes, in_data: bool) -> None:
        try:
            if in_data:
                conn.send(_dot_terminated(data))
                code, answer = conn.getreply()
            else:
                code, answer = conn.data(data)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            self._drop()
            raise TemporaryMailError("送信中にメールサーバーとの接続が切れました。") from None
        except smtplib.SMTPDataError as error:
            raise _refusal(error.smtp_code, error.smtp_error, "本文") from None
        except OSError as error:
            self._drop()
            raise TemporaryMailError(f"送信中に通信エラーが起きました: {error}") from None
        if code != 250:
            raise _refusal(code, answer, "本文")

    def _checked(self, conn: smtplib.SMTP, reply: tuple[int, bytes], what: str) -> None:
        code, answer = reply
        if code != 250:
            self._reset(conn)
            raise _refusal(code, answer, what)

    def _reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


def _dot_terminated(data: bytes) -> bytes:
    """The message as sent after DATA: leading dots doubled, ended by CRLF "." CRLF."""
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _refusal(code: int, answer: bytes | str, what: str,
             refused: str | None = None) -> MailError:
    """The error for an SMTP answer: 5xx permanent, anything else temporary."""
    text = f"{code} {_text(answer)}".strip()
    if 500 <= code < 600:
        return PermanentMailError(f"メールサーバーが{what}を拒否しました: {text}",
                                  code=code, answer=text, refused_recipient=refused)
    return TemporaryMailError(f"メールサーバーが一時的に{what}を受け付けませんでした: {text}",
                              code=code, answer=text)
