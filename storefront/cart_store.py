"""The cart, kept in the session as ``[[variant_id, quantity], ...]``.

Only ids and quantities are stored: names, prices and stock are read fresh from the
catalog on every page, so a price change or a hidden product shows up at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import session

from ktaishop.extensions import db
from models import CartLine, Product, Variant

MAX_QUANTITY = 99
MAX_LINES = 20


@dataclass
class CartRow:
    variant: Variant
    product: Product
    quantity: int

    @property
    def amount(self) -> int:
        return self.product.price * self.quantity

    @property
    def short(self) -> bool:
        return self.variant.stock < self.quantity


def _raw() -> list[list[int]]:
    value = session.get("cart")
    if not isinstance(value, list):
        return []
    lines = []
    for entry in value:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            try:
                lines.append([int(entry[0]), int(entry[1])])
            except (TypeError, ValueError):
                continue
    return lines


def _store(lines: list[list[int]]) -> None:
    if lines:
        session["cart"] = lines
    else:
        session.pop("cart", None)


def cart_count() -> int:
    return sum(q for _, q in _raw())


def cart_lines() -> list[CartLine]:
    return [CartLine(v, q) for v, q in _raw()]


def add(variant_id: int, quantity: int) -> None:
    """Add to the line of that variant (capped at MAX_QUANTITY), or a new line."""
    lines = _raw()
    for line in lines:
        if line[0] == variant_id:
            line[1] = min(line[1] + quantity, MAX_QUANTITY)
            break
    else:
        lines.append([variant_id, min(quantity, MAX_QUANTITY)])
    _store(lines[-MAX_LINES:])


def set_quantity(variant_id: int, quantity: int) -> None:
    """Change a line's quantity; 0 removes it."""
    lines = [[v, min(quantity, MAX_QUANTITY) if v == variant_id else q] for v, q in _raw()]
    _store([line for line in lines if line[1] > 0])


def remove(variant_id: int) -> None:
    _store([line for line in _raw() if line[0] != variant_id])


def clear() -> None:
    session.pop("cart", None)


def rows() -> list[CartRow]:
    """The cart's lines that still exist and are on sale; others are dropped silently."""
    result, keep = [], []
    for variant_id, quantity in _raw():
        variant = db.session.get(Variant, variant_id)
        product = variant.product if variant else None
        if variant is None or product is None or product.deleted or not product.published:
            continue
        result.append(CartRow(variant, product, quantity))
        keep.append([variant_id, quantity])
    if len(keep) != len(_raw()):
        _store(keep)
    return result


def subtotal(cart_rows: list[CartRow]) -> int:
    return sum(row.amount for row in cart_rows)
