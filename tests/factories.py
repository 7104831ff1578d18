"""Small builders for tests: a product with stock, an order in any status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import (
    CartLine,
    CheckoutDetails,
    MailTemplate,
    Order,
    OrderStatus,
    PaymentMethod,
    Person,
    Product,
    SlipDetails,
    Variant,
    place_order,
)

BUYER = Person("小林 亮子", "コバヤシ リョウコ", "09047189729", "r-kobayashi@docomo.ne.jp",
               "1650027", "東京都中野区野方1-2-3")


def make_product(session: Session, code: str = "goods000001", *, price: int = 1000,
                 stock: int = 10, name: str = "バイナリプルTシャツ") -> Product:
    product = Product(code=code, name=name, price=price, variants=[Variant(stock=stock)])
    session.add(product)
    session.flush()
    return product


def add_templates(session: Session) -> None:
    for kind, subject in (("order_confirmation", "商品を受注しました。"),
                          ("shipping_notice", "商品を出荷しました。"),
                          ("guest_confirmation", "ご注文を確定してください")):
        session.add(MailTemplate(kind=kind, subject=subject, mail_from="shop@example.jp",
                                 body="{{purchaser_name}} 様 {{order_no}} {{confirm_url}}"))
    session.flush()


def make_order(session: Session, status: OrderStatus | str = OrderStatus.COMPLETED, *,
               product: Product | None = None, quantity: int = 1, shipped: bool = False,
               by_hand: bool = False, payment: PaymentMethod = PaymentMethod.COD) -> Order:
    """An order walked to ``status`` through the real transitions.

    ``shipped`` registers the slip (出荷済) on an 出荷指示 order; ``by_hand`` takes the
    irregular 訂正 path to 出荷指示.
    """
    session.info["n"] = session.info.get("n", 0) + 1
    product = product or make_product(session, code=f"p{session.info['n']}")
    guest = status == OrderStatus.PROVISIONAL
    details = CheckoutDetails(purchaser=BUYER, payment=payment, member_id=None)
    order = place_order(session, [CartLine(product.variants[0].id, quantity)], details,
                        guest=guest).order
    if guest and order.status == OrderStatus.COMPLETED:  # the shop turned confirmation off
        return order
    if status in (OrderStatus.INSTRUCTED, OrderStatus.DONE):
        if by_hand:
            order.instruct_shipping_by_hand("test")
        else:
            order.instruct_shipping("test")
    if shipped or status == OrderStatus.DONE:
        order.register_shipment(SlipDetails("1234"), "test", by_hand=False)
    if status == OrderStatus.DONE:
        order.mark_shipping_notified("test")
    if status == OrderStatus.CANCELLED:
        order.cancel(session, "test")
    session.flush()
    return order
