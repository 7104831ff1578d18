"""Signed, single-use links for 会員登録, パスワード再設定 and メールアドレス変更 (no table
needed).

A link is good only while nothing it was made for has moved on. Its payload carries
the member id and fingerprints of the member's password hash, address (canonical
form) and link generation:

- setting a password (the registration link sets the first one; a reset sets a new
  one) changes the hash, so the link works once and every older one stops;
- a change of address, 停止 and 退会 bump the link generation
  (``Member.end_links``) and an address change also changes the address, so a reset
  link mailed to the old address can never take the account;
- an email change link also carries the new address, so it works once: after the
  change the address it was made for is no longer the member's.

Fingerprints are digests, never the values themselves, because the payload is only
signed, not encrypted.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from carrier_compat.address import address_key
from ktaishop.extensions import db
from models import Member, MemberStatus

from .common import password_fingerprint

REGISTRATION = "member-registration"
PASSWORD_RESET = "password-reset"
EMAIL_CHANGE = "email-change"
MAX_AGE = {REGISTRATION: 24 * 3600, PASSWORD_RESET: 2 * 3600, EMAIL_CHANGE: 24 * 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ktaishop-{purpose}")


def _payload(member: Member) -> dict[str, object]:
    return {"m": member.id, "p": password_fingerprint(member), "f": address_fingerprint(member),
            "g": member.link_generation or 0}


def make_token(purpose: str, member: Member) -> str:
    return _serializer(purpose).dumps(_payload(member))


def member_for_token(purpose: str, token: str) -> Member | None:
    """The active member a still-valid token belongs to, or None (bad, expired, used,
    or made before an address change, 停止 or 退会)."""
    found = _load(purpose, token)
    return found[0] if found else None


def make_email_change_token(member: Member, new_email: str) -> str:
    return _serializer(EMAIL_CHANGE).dumps(_payload(member) | {"e": new_email})


def email_change_for_token(token: str) -> tuple[Member, str] | None:
    """(member, new address) for a still-valid email change link, else None."""
    found = _load(EMAIL_CHANGE, token)
    if found is None:
        return None
    member, payload = found
    new_email = payload.get("e")
    if not isinstance(new_email, str):
        return None
    return member, new_email


def _load(purpose: str, token: str) -> tuple[Member, dict] | None:
    if len(token) > 400:
        return None
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("m"), int):
        return None
    member = db.session.get(Member, payload["m"])
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    if {k: payload.get(k) for k in "mpfg"} != _payload(member):
        return None
    return member, payload


def address_fingerprint(member: Member) -> str:
    return hashlib.sha256(address_key(member.email).encode()).hexdigest()[:16]
