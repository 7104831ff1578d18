"""Card orders backed by real sandbox authorisations, for the cancellation tests.

Call inside an app context: the sandbox is the app's own (``ktaishop.payment.gateway``),
the one the admin screens and the jobs of that app use.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ktaishop.payment import CardInput, gateway
from models import CartLine, CheckoutDetails, Order, OrderStatus, PaymentMethod, place_order
from tests.factories import BUYER, make_order, make_product

CARD = CardInput("4111111111111111", 12, 2099, "RYOKO KOBAYASHI")


def held_card_order(session: Session, *, stock: int = 10, quantity: int = 2) -> Order:
    """A guest's 仮注文 whose card is authorised for its total, not charged (与信済)."""
    product = make_product(session, code=f"held{session.info.get('n', 0)}", stock=stock)
    order = make_order(session, OrderStatus.PROVISIONAL, product=product, quantity=quantity,
                       payment=PaymentMethod.CARD)
    order.payment_reference = gateway().authorize(CARD, order.total).reference
    session.commit()
    return order


def charged_card_order(session: Session) -> Order:
    """A member's 注文完了 of two lines (1,000 円 x 2 and 500 円 x 1, stock 10 each) whose
    card was charged its total at 注文する (決済完了), as the storefront does it."""
    session.info["n"] = session.info.get("n", 0) + 1
    shirt = make_product(session, code=f"shirt{session.info['n']}", price=1000)
    strap = make_product(session, code=f"strap{session.info['n']}", price=500)
    details = CheckoutDetails(purchaser=BUYER, payment=PaymentMethod.CARD)
    order = place_order(session, [CartLine(shirt.variants[0].id, 2),
                                  CartLine(strap.variants[0].id, 1)], details,
                        guest=False).order
    order.payment_reference = gateway().authorize(CARD, order.total).reference
    gateway().capture(order.payment_reference, order.total)
    session.commit()
    return order
