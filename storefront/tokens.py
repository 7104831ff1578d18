"""Signed, single-use links for 会員登録, パスワード再設定 and メールアドレス変更 (no table
needed).

The payload carries the member id and a fingerprint of the current password hash:
setting a new password (re-registration, reset) changes the hash, so every older
link stops working. An email change link also carries the new address and a
fingerprint of the current one, so it works once: after the change the address it
was made for is no longer the member's. Fingerprints are digests, never the values
themselves, because the payload is only signed, not encrypted.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ktaishop.extensions import db
from models import Member

from .common import password_fingerprint

REGISTRATION = "member-registration"
PASSWORD_RESET = "password-reset"
EMAIL_CHANGE = "email-change"
MAX_AGE = {REGISTRATION: 24 * 3600, PASSWORD_RESET: 2 * 3600, EMAIL_CHANGE: 24 * 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ktaishop-{purpose}")


def make_token(purpose: str, member: Member) -> str:
    return _serializer(purpose).dumps({"m": member.id, "p": password_fingerprint(member)})


def member_for_token(purpose: str, token: str) -> Member | None:
    """The member a still-valid token belongs to, or None (bad, expired or used)."""
    found = _load(purpose, token)
    return found[0] if found else None


def make_email_change_token(member: Member, new_email: str) -> str:
    return _serializer(EMAIL_CHANGE).dumps({
        "m": member.id, "p": password_fingerprint(member), "f": _address_fingerprint(member),
        "e": new_email})


def email_change_for_token(token: str) -> tuple[Member, str] | None:
    """(member, new address) for a still-valid email change link, else None."""
    found = _load(EMAIL_CHANGE, token)
    if found is None:
        return None
    member, payload = found
    new_email = payload.get("e")
    if payload.get("f") != _address_fingerprint(member) or not isinstance(new_email, str):
        return None
    return member, new_email


def _load(purpose: str, token: str) -> tuple[Member, dict] | None:
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    member = db.session.get(Member, payload.get("m"))
    if member is None or payload.get("p") != password_fingerprint(member):
        return None
    return member, payload


def _address_fingerprint(member: Member) -> str:
    return hashlib.sha256(member.email.lower().encode()).hexdigest()[:16]
