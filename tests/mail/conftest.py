"""Fixtures of the tests of the mail machinery:
an SMTP server that can misbehave like a carrier's."""

from tests.mail.server import smtp_server  # noqa: F401  (replaces the top-level fixture here)
