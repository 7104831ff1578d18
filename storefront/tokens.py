"""Signed, single-use links for 会員登録 and パスワード再設定 (no table needed).

The payload carries the member id and a fingerprint of the current password hash:
setting a new password (re-registration, reset) changes the hash, so every older
link stops working. The fingerprint is a digest, never the hash itself, because the
payload is only signed, not encrypted.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ktaishop.extensions import db
from models import Member

from .common import password_fingerprint

REGISTRATION = "member-registration"
PASSWORD_RESET = "password-reset"
MAX_AGE = {REGISTRATION: 24 * 3600, PASSWORD_RESET: 2 * 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ktaishop-{purpose}")


def make_token(purpose: str, member: Member) -> str:
    return _serializer(purpose).dumps({"m": member.id, "p": password_fingerprint(member)})


def member_for_token(purpose: str, token: str) -> Member | None:
    """The member a still-valid token belongs to, or None (bad, expired or used)."""
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    member = db.session.get(Member, payload.get("m"))
    if member is None or payload.get("p") != password_fingerprint(member):
        return None
    return member
