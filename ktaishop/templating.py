"""Jinja filters shared by the admin and the storefront."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from models import OrderStatus, PackageStatus, PaymentMethod
from models.merge import zip_code
from models.tracking import company_label


def yen(amount: int | None) -> str:
    """2118 -> "2,118" (the manual's 合計金額 column)."""
    return f"{amount or 0:,}"


def datetime_text(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.strftime(fmt) if value else ""


WEEKDAYS = "月火水木金土日"


def date_with_weekday(value: date | None) -> str:
    """2008-10-23(木), as on the manual's 配送希望日."""
    return f"{value:%Y-%m-%d}({WEEKDAYS[value.weekday()]})" if value else "指定なし"


def register(app: Flask) -> None:
    app.add_template_filter(yen)
    app.add_template_filter(datetime_text, "dt")
    app.add_template_filter(date_with_weekday, "date_wd")
    app.add_template_filter(lambda s: OrderStatus(s).label, "order_status")
    app.add_template_filter(lambda s: PackageStatus(s).label, "package_status")
    app.add_template_filter(lambda s: PaymentMethod(s).label, "payment_label")
    app.add_template_filter(zip_code, "zip")
    app.add_template_filter(company_label, "delivery_company")
