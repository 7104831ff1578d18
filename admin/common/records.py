"""What every chapter's screens look up: the acting admin, and an order or a 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ktaishop.extensions import db
from models import Order


def actor() -> str:
    """The logged-in admin's login, as it is written in an order's history."""
    return current_user.login


def order_or_404(order_id: int, *, lock: bool = False) -> Order:
    """The order with its items, package and history loaded, or 404.

    ``lock`` takes its row lock for a change (PostgreSQL; SQLite's write lock is the
    whole database) and reloads it, so the change starts from what is committed.
    """
    statement = select(Order).where(Order.id == order_id).options(
        selectinload(Order.items), selectinload(Order.package), selectinload(Order.events))
    if lock:
        statement = statement.with_for_update(of=Order).execution_options(populate_existing=True)
    order = db.session.scalar(statement)
    if order is None:
        abort(404)
    return order
