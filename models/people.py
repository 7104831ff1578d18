"""Members (サイト会員) and admin users, with their passwords hashed."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, now

# Werkzeug's default (scrypt). The test suite lowers the cost: hashing is a third of a
# second by design, and a thousand fixtures would spend minutes on it.
PASSWORD_HASH_METHOD = "scrypt"


MAX_FAILED_LOGINS = 5
LOCK_TIME = timedelta(minutes=15)
WRONG_LOGIN = "ログインIDまたはパスワードが正しくありません。"
LOCKED_LOGIN = (
    "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください。"
)


class PasswordMixin:
    """A hashed password, and a lock after repeated wrong ones (members and admins alike)."""

    password_hash: Mapped[str] = mapped_column(String(255), default="")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def attempt_login(self, password: str) -> str | None:
        """None when ``password`` is right; else the message to show.

        After MAX_FAILED_LOGINS wrong passwords in a row the account refuses even the
        right one for LOCK_TIME, so guessing is slow; the caller commits either way.
        """
        if self.locked_until and self.locked_until > now():
            return LOCKED_LOGIN
        if not self.check_password(password):
            self.failed_logins = (self.failed_logins or 0) + 1
            if self.failed_logins >= MAX_FAILED_LOGINS:
                self.locked_until = now() + LOCK_TIME
                self.failed_logins = 0
            return WRONG_LOGIN
        self.failed_logins, self.locked_until = 0, None
        return None


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # 停止
    WITHDRAWN = "withdrawn"  # 退会

    @property
    def label(self) -> str:
        return {"active": "有効", "suspended": "停止", "withdrawn": "退会"}[self.value]


class Member(PasswordMixin, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("subscriber_carrier", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str] = mapped_column(String(100), default="")
    tel: Mapped[str] = mapped_column(String(20), default="")
    zip_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    # The carrier the member's mail address belongs to (docomo/au/softbank/smartphone/pc).
    carrier: Mapped[str] = mapped_column(String(20), default="pc")
    newsletter: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default=MemberStatus.ACTIVE)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # かんたんログイン: the handset's subscriber ID, linked once with the password.
    subscriber_carrier: Mapped[str | None] = mapped_column(String(20))
    subscriber_id: Mapped[str | None] = mapped_column(String(100))
    bounced: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, onupdate=now)

    @property
    def is_active_member(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def status_label(self) -> str:
        return MemberStatus(self.status).label

    def change_status(self, status: MemberStatus) -> None:
        """停止, 退会 or back to 有効. 退会 also stops the メルマガ and unlinks
        かんたんログイン, so a withdrawn member gets no mail and no handset login.
        """
        self.status = status
        if status is MemberStatus.WITHDRAWN:
            self.newsletter = False
            self.subscriber_carrier = None
            self.subscriber_id = None


class AdminUser(PasswordMixin, Base):
    """A shop operator who logs in to the PC admin."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)

    # Flask-Login protocol, kept here so the admin needs no wrapper class.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)
