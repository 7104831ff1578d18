"""Fixtures of the tests of メール設定 and メール配信:
an SMTP server that can misbehave like a carrier's."""

from tests.mail.server import smtp_server  # noqa: F401  (replaces the top-level fixture here)
