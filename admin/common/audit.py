"""操作ログ from the admin's screens: one line per action, ``audit(action, target, detail)``.

The entry names the logged-in admin and the address the request came from, and is
part of the view's transaction: it is committed with the change it records.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import inspect

from ktaishop.extensions import db
from models.audit import record


def audit(action: str, target: str = "", detail: str = "", actor: str | None = None) -> None:
    """Record ``action`` (a key of ``models.audit.ACTIONS``) by the current admin."""
    if actor is None:
        actor = current_user.login if current_user.is_authenticated else ""
    record(db.session, actor, action, target, detail, client=request.remote_addr or "")


def changed_fields(row: object) -> str:
    """The columns of ``row`` changed in this transaction, for an entry's 内容."""
    names = [attr.key for attr in inspect(row).attrs if attr.history.has_changes()]
    return f"変更した項目: {', '.join(names)}" if names else "変更なし"
