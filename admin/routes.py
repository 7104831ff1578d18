"""The admin blueprint with every screen's routes on it: what the app factory registers.

The shell (login, dashboard, handset preview) and one package per chapter of the
manual; importing each adds its screens' routes to ``admin.bp``.
"""

from __future__ import annotations

from admin import bp

from . import (  # noqa: F401  (アカウント and 二段階認証; 操作ログ; 売上集計)
    account,
    audit,
    auth,
    catalog,
    dashboard,
    delivery,
    mail,
    members,
    orders,
    preview,
    reports,
    settings,
)
from .common import paging  # noqa: F401  (the pager's template global)

__all__ = ["bp"]
