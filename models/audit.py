"""操作ログ: who did what in the admin, when and from where. Written once, never changed.

One call per admin action, ``record(session, actor, action, target, detail)``, part of
the transaction of the change it records (a change rolled back leaves no entry, and
an entry never claims a change that did not happen). Failed logins are recorded too.
No screen edits or deletes an entry, and the model refuses to: an UPDATE or DELETE
of an entry through the ORM raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import DateTime, Select, String, Text, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, now

# What the search screen offers as 操作 (the value stored, its label).
ACTIONS: dict[str, str] = {
    "login": "ログイン",
    "login_failed": "ログイン失敗",
    "logout": "ログアウト",
    "two_factor": "二段階認証の設定",
    "settings": "設定の変更",
    "admin_user": "管理ユーザーの変更",
    "product": "商品の変更",
    "shelf": "商品陳列棚の変更",
    "member": "会員情報の変更",
    "mail_template": "メールテンプレートの変更",
    "csv_download": "個人情報を含むCSVのダウンロード",
    "csv_upload": "CSVの登録",
    "newsletter": "メルマガの送信",
    "order_mail": "注文へのメール送信",
    "order_correct": "注文の訂正",
    "order_cancel": "注文の取消",
    "order_payment": "注文の決済（売上確定・与信取消）",
    "hold_release": "在庫の確保を解除",
    "shipment": "出荷の登録・通知",
}


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(30), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[str] = mapped_column(String(100), default="")  # the address it came from

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _written_once(_mapper, _connection, _target) -> None:
    raise PermissionError("操作ログは変更・削除できません。")


def record(session: Session, actor: str, action: str, target: str = "", detail: str = "",
           client: str = "") -> AuditEntry:
    """Add one entry (part of the caller's transaction)."""
    entry = AuditEntry(actor=actor[:100], action=action, target=target[:200],
                       detail=detail, client=client[:100])
    session.add(entry)
    return entry


@dataclass
class AuditQuery:
    """操作ログ 検索: a date range, who, which action, a keyword in target or detail."""

    date_from: date | None = None
    date_to: date | None = None
    actor: str = ""
    action: str = ""
    keyword: str = ""

    def select(self) -> Select[tuple[AuditEntry]]:
        query = select(AuditEntry)
        if self.date_from:
            query = query.where(AuditEntry.at >= datetime.combine(self.date_from,
                                                                  datetime.min.time()))
        if self.date_to:
            end = datetime.combine(self.date_to, datetime.min.time()) + timedelta(days=1)
            query = query.where(AuditEntry.at < end)
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.keyword:
            pattern = f"%{_escape_like(self.keyword)}%"
            query = query.where(or_(AuditEntry.target.like(pattern, escape="\\"),
                                    AuditEntry.detail.like(pattern, escape="\\")))
        return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def actors(session: Session) -> list[str]:
    """Everyone who appears in the log, for the search form's pick-list."""
    return list(session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)))


__all__ = ["ACTIONS", "AuditEntry", "AuditQuery", "actors", "record"]
