"""Two-factor login for admins: TOTP codes (RFC 6238, pyotp) and one-time recovery codes.

An admin turns it on by scanning the secret into an authenticator app and typing one
code back (``enable``); until then the secret is only pending. Each code works once:
the 30-second step of the last accepted code is kept, so a code seen over a
shoulder cannot be replayed. Recovery codes are shown once and stored hashed; each
one works once. Nothing here commits.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Protocol

import pyotp
from werkzeug.security import check_password_hash, generate_password_hash

ISSUER = "ktaishop"
RECOVERY_CODES = 10
# One step either side: a phone's clock a little off still works.
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorHolder(Protocol):
    login: str
    totp_secret: str | None
    totp_enabled: bool
    totp_last_step: int | None
    recovery_codes: list[str] | None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(admin: TwoFactorHolder, secret: str, shop_name: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=admin.login,
                                               issuer_name=f"{ISSUER} {shop_name}".strip())


def code_matches(secret: str, code: str, last_step: int | None = None) -> int | None:
    """The time step ``code`` is valid for (newer than ``last_step``), else None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6 or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enable(admin: TwoFactorHolder, secret: str, code: str) -> list[str] | None:
    """Turn two-factor login on when ``code`` matches ``secret``; the recovery codes
    (to show once) or None when the code is wrong."""
    step = code_matches(secret, code)
    if step is None:
        return None
    admin.totp_secret, admin.totp_enabled, admin.totp_last_step = secret, True, step
    return new_recovery_codes(admin)


def disable(admin: TwoFactorHolder) -> None:
    admin.totp_secret, admin.totp_enabled = None, False
    admin.totp_last_step, admin.recovery_codes = None, []


def new_recovery_codes(admin: TwoFactorHolder) -> list[str]:
    """Ten fresh codes (the old ones stop working); returns them in clear, once."""
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5))
                      for _ in range(2)) for _ in range(RECOVERY_CODES)]
    admin.recovery_codes = [generate_password_hash(c, method="pbkdf2:sha256:100000")
                            for c in codes]
    return codes


def verify(admin: TwoFactorHolder, code: str) -> bool:
    """A login's second step: a current TOTP code, or an unused recovery code."""
    if not admin.totp_enabled or not admin.totp_secret:
        return False
    step = code_matches(admin.totp_secret, code, admin.totp_last_step)
    if step is not None:
        admin.totp_last_step = step
        return True
    return _use_recovery_code(admin, code)


def _use_recovery_code(admin: TwoFactorHolder, code: str) -> bool:
    typed = code.strip().lower().replace(" ", "")
    if len(typed) != 11:
        return False
    hashes = list(admin.recovery_codes or [])
    for stored in hashes:
        if check_password_hash(stored, typed):
            hashes.remove(stored)
            admin.recovery_codes = hashes  # a new list, so the JSON column is saved
            return True
    return False


def recovery_codes_left(admin: TwoFactorHolder) -> int:
    return len(admin.recovery_codes or [])
