"""The left menu of the manual, in its order (label, endpoint)."""

from __future__ import annotations

MENU: tuple[tuple[str, str], ...] = (
    ("注文", "admin.orders"),
    ("配送", "admin.delivery"),
    ("商品情報", "admin.products"),
    ("商品陳列棚", "admin.shelves"),
    ("顧客管理", "admin.members"),
    ("メール設定", "admin.mail_templates"),
    ("メール配信", "admin.newsletters"),
    ("売上集計", "admin.reports"),  # beyond the manual: sales by period, product, carrier
    ("設定", "admin.settings"),
    ("携帯表示確認", "admin.preview"),  # beyond the manual: the storefront as each handset
    ("操作ログ", "admin.audit_log"),  # beyond the manual: who did what (issue #13)
)
