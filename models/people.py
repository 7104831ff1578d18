"""Members (サイト会員) and admin users, with their passwords hashed."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import lru_cache

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, now

# Werkzeug's default (scrypt). The test suite lowers the cost: hashing is a third of a
# second by design, and a thousand fixtures would spend minutes on it.
PASSWORD_HASH_METHOD = "scrypt"


WRONG_LOGIN = "ログインIDまたはパスワードが正しくありません。"


@lru_cache(maxsize=4)
def _stand_in_hash(method: str) -> str:
    """A hash no password matches, made like the real ones (see ``verify_password``)."""
    return generate_password_hash("ktaishop stand-in password", method=method)


class PasswordMixin:
    """A hashed password, and the generation of logins it allows (members and admins).

    ``failed_logins`` and ``locked_until`` are left from the old per-account lock and
    no longer read: throttling is per client (models.throttle), so nobody can lock
    another person out.
    """

    password_hash: Mapped[str] = mapped_column(String(255), default="")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped by every new password: logins made before it end (models.login_sessions).
    session_generation: Mapped[int] = mapped_column(Integer, default=0)

    def set_password(self, password: str) -> None:
        """A new password; every login made with the old one ends."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


def verify_password(person: PasswordMixin | None, password: str) -> bool:
    """Whether ``password`` is ``person``'s; with no person, False after the same work.

    An unknown account costs a hash check too, so the time of the answer does not
    tell which accounts exist.
    """
    if person is None or not person.password_hash:
        check_password_hash(_stand_in_hash(PASSWORD_HASH_METHOD), password)
        return False
    return person.check_password(password)


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # 停止
    WITHDRAWN = "withdrawn"  # 退会

    @property
    def label(self) -> str:
        return {"active": "有効", "suspended": "停止", "withdrawn": "退会"}[self.value]


_CURRENT = text("status <> 'withdrawn'")


class Member(PasswordMixin, Base):
    """A サイト会員. The address is kept in its canonical form (carrier_compat.address);
    a withdrawn member (退会) no longer holds it, so whoever registers it next (carriers
    give addresses out again) is a new member and never sees this one's orders."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("subscriber_carrier", "subscriber_id"),
        Index("ux_members_email_current", "email", unique=True,
              sqlite_where=_CURRENT, postgresql_where=_CURRENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
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
    # Bumped by an address change, 停止 and 退会: every mailed link made before it (パスワード
    # 再設定, メールアドレス変更, 会員登録) stops working (storefront.tokens).
    link_generation: Mapped[int] = mapped_column(Integer, default=0)
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
        停止 and 退会 end every link mailed before them.
        """
        if status != self.status and status is not MemberStatus.ACTIVE:
            self.end_links()
        self.status = status
        if status is MemberStatus.WITHDRAWN:
            self.newsletter = False
            self.subscriber_carrier = None
            self.subscriber_id = None


    def change_email(self, email: str, carrier: str) -> None:
        """A new address (canonical form, its carrier): links mailed before end."""
        if email != self.email:
            self.email, self.carrier = email, carrier
            self.end_links()

    def end_links(self) -> None:
        """Every outstanding reset, change or registration link stops working."""
        self.link_generation = (self.link_generation or 0) + 1

    @property
    def is_pending(self) -> bool:
        """Registered, address not verified yet (no password either: the link sets it)."""
        return self.email_verified_at is None and self.status == MemberStatus.ACTIVE


class AdminUser(PasswordMixin, Base):
    """A shop operator who logs in to the PC admin."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    # 二段階認証 (models.two_factor): the TOTP secret, whether it is on, the last step
    # used (no replay) and the hashes of the unused recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON, default=list)

    # Flask-Login protocol, kept here so the admin needs no wrapper class.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)
