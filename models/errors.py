"""Errors raised by the shop's rules. Each carries a Japanese message for the screen."""

from __future__ import annotations


class DomainError(Exception):
    """A shop rule refused an action; ``message`` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionError(DomainError):
    """A status change the manual does not allow."""


class OutOfStock(DomainError):
    """Not enough stock left for an order line."""

    def __init__(self, item_name: str) -> None:
        super().__init__(f"「{item_name}」は在庫が不足しています。数量を減らすか、他の商品をお選びください。")
        self.item_name = item_name
