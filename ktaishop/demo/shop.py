"""``ktaishop seed-demo``: a shop that looks like the manual's screenshots."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from carrier_compat.address import carrier_for_address
from models import (
    AdminUser,
    CartLine,
    CheckoutDetails,
    MailKind,
    MailLog,
    MailTemplate,
    Member,
    Order,
    OrderItem,
    OrderSequence,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    Package,
    PackageStatus,
    PaymentMethod,
    Person,
    Product,
    Shelf,
    ShopSettings,
    SlipDetails,
    TaxRate,
    Variant,
    now,
    place_order,
)
from models.mail import queue_order_mail
from models.payment_records import (
    AuthorisationState,
    CardAuthorisation,
    PaymentAction,
    PaymentRecord,
)
from models.sandbox_ledger import SandboxLedgerEntry, SandboxOperation
from models.tracking import DeliveryCompany

from . import data, pictures

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "ktaishop-demo"
ACTOR = "seed-demo"


def seed(session: Session) -> bool:
    """Create the demo shop unless it exists; True when it was created now."""
    if session.scalar(select(AdminUser).where(AdminUser.login == DEMO_ADMIN)):
        return False
    admin = AdminUser(login=DEMO_ADMIN)
    admin.set_password(DEMO_PASSWORD)
    session.add(admin)
    _settings(session)
    _templates(session)
    variants = _catalog(session)
    foods = _foods(session)
    members = _members(session)
    session.flush()
    _orders(session, variants, members, foods)
    _mark_demo_mail_sent(session)
    return True


def _settings(session: Session) -> None:
    settings = ShopSettings.load(session)
    settings.shop_name = "LK EC SHOP"
    settings.seller = "株式会社ケータイ通販"
    settings.manager = "山本 一郎"
    settings.zip_code = "1046022"
    settings.address = "東京都中央区晴海1-8-10"
    settings.tel = "03-0000-0000"
    settings.fax = "03-0000-0001"
    settings.mail_from = "shop@ktaishop.example"
    settings.returns_policy = (
        "商品到着後7日以内、未使用品に限り返品を承ります。送料はお客様ご負担です。"
    )
    settings.privacy_policy = "お預かりした個人情報は、商品の発送とご連絡にのみ利用します。"
    settings.returns_summary = "商品到着後7日以内・未使用品に限り返品可（送料はお客様負担）。"
    # A made-up 適格請求書発行事業者登録番号 (its check digit is right), so the demo's
    # 納品書 is a 適格請求書.
    settings.invoice_number = "T9234567890123"


def _templates(session: Session) -> None:
    for kind, subject, body in data.TEMPLATES:
        session.add(MailTemplate(kind=kind, subject=subject, body=body,
                                 mail_from="shop@ktaishop.example"))


def _catalog(session: Session) -> list[Variant]:
    shelves = [Shelf(name=name, position=i) for i, name in enumerate(data.SHELVES)]
    session.add_all(shelves)
    image_dir = Path(current_app.config["IMAGE_DIR"])
    image_dir.mkdir(parents=True, exist_ok=True)
    variants: list[Variant] = []
    for code, name, price, priority, on, sized, text, colour in data.PRODUCTS:
        product = Product(code=code, name=name, price=price, priority=priority, description=text,
                          shelves=[shelves[i] for i in on])
        product.image1 = _demo_image(image_dir, code, colour)
        if sized:
            product.option_axes = [{"name": "サイズ", "values": list(data.SIZES)}]
            product.variants = [Variant(option_text=f"サイズ:{s}", stock=20, position=i)
                                for i, s in enumerate(data.SIZES)]
        else:
            product.variants = [Variant(option_text="", stock=50)]
        if code == "goods000012":
            product.stock_display = "low"
            product.variants[0].stock = 2
        session.add(product)
        variants.extend(product.variants)
    return variants


def _foods(session: Session) -> list[Variant]:
    """The reduced-rate (8%) products, one with a 販売期限; on the shelves made before."""
    shelves = session.scalars(select(Shelf).order_by(Shelf.position)).all()
    image_dir = Path(current_app.config["IMAGE_DIR"])
    variants = []
    for code, name, price, priority, on, text, colour, days in data.FOODS:
        product = Product(code=code, name=name, price=price, priority=priority, description=text,
                          shelves=[shelves[i] for i in on], tax_rate=TaxRate.REDUCED,
                          variants=[Variant(option_text="", stock=50)])
        product.image1 = _demo_image(image_dir, code, colour)
        if days is not None:
            product.sale_ends_at = (now() + timedelta(days=days)).replace(hour=23, minute=59,
                                                                          second=59)
        session.add(product)
        variants.extend(product.variants)
    return variants


def _demo_image(image_dir: Path, code: str, colour: str) -> str:
    """The product's picture (``data.PICTURES`` says what it shows), saved once as PNG."""
    kind = data.PICTURES[code]
    filename = f"demo-{code}-{kind}.png"
    path = image_dir / filename
    if not path.exists():
        pictures.draw(kind, colour).save(path, "PNG", optimize=True)
    return filename


def _members(session: Session) -> list[Member]:
    """The members, who registered one after another over the last months (before their
    first order: ``DEMO_AGES`` gives the orders' ages)."""
    members = []
    for k, (email, name, kana, tel, zip_code, address) in enumerate(data.MEMBERS):
        joined = now() - timedelta(days=MEMBER_DAYS[k], hours=3 * k + 2)
        member = Member(email=email, name=name, kana=kana, tel=tel, zip_code=zip_code,
                        address=address, carrier=carrier_for_address(email),
                        email_verified_at=joined + timedelta(minutes=4), created_at=joined,
                        updated_at=joined)
        member.set_password("demo-member-pass")
        members.append(member)
    session.add_all(members)
    return members


# The status each demo order ends in, so every screen of the manual has something to show.
DEMO_STATUSES = (
    [OrderStatus.PROVISIONAL] * 2 + [OrderStatus.COMPLETED] * 6 + [OrderStatus.INSTRUCTED] * 4
    + ["shipped"] * 3 + [OrderStatus.DONE] * 3 + [OrderStatus.CANCELLED] * 2
)
# How long ago each of them was ordered, in hours: the shop's past. 仮注文 within the
# confirmation link's hold time (3 hours), the work in hand over the last days, the
# finished orders and the cancellations over the last months.
DEMO_AGES = (1, 2, 10, 20, 30, 44, 58, 75, 52, 70, 90, 110, 100, 140, 170, 380, 1150,
             2300, 700, 1700)
# Days ago each member registered (all before their first order).
MEMBER_DAYS = (130, 112, 100, 80, 75)
# The parcels' carriers, in turn (配送業者).
DEMO_COMPANIES = (DeliveryCompany.YAMATO, DeliveryCompany.SAGAWA, DeliveryCompany.JAPANPOST)


def _orders(session: Session, variants: list[Variant], members: list[Member],
            foods: list[Variant]) -> None:
    rng = random.Random(20081021)
    for i, final in enumerate(DEMO_STATUSES):
        member = members[i % len(members)]
        lines = [CartLine(v.id, rng.randint(1, 2)) for v in rng.sample(variants[:-1], k=1 + i % 2)]
        if i % 3 == 1:  # some carts mix 8% food with 10% goods, as the 納品書 shows them
            lines.append(CartLine(foods[i % len(foods)].id, 1))
        ordered_at = now() - timedelta(hours=DEMO_AGES[i])
        details = CheckoutDetails(
            purchaser=Person(member.name, member.kana, member.tel, member.email,
                             member.zip_code, member.address),
            payment=PaymentMethod.CARD if i % 3 == 2 else PaymentMethod.COD,
            payment_reference=f"SBX-demo{i:04d}" if i % 3 == 2 else "",
            delivery_date=(ordered_at + timedelta(days=4 + i % 5)).date() if i % 2 else None,
            wrapping="包装紙" if i % 4 == 0 else "",
            carrier=member.carrier,
            member_id=None if final == OrderStatus.PROVISIONAL else member.id,
        )
        history = _History(session)
        placed = place_order(session, lines, details, guest=final == OrderStatus.PROVISIONAL)
        order = placed.order
        ordered_at -= timedelta(minutes=5 * rng.randint(0, 9))  # the draws of earlier demos
        _backdate(order, ordered_at)
        if order.payment is PaymentMethod.CARD:
            _card_books(session, order)
        history.happened(order, ordered_at + timedelta(seconds=5))
        _advance(session, order, final, i, history)


def _backdate(order: Order, ordered_at) -> None:
    """The order as if placed at ``ordered_at``: its number, date, payment and link."""
    shift = now() - ordered_at
    order.ordered_at = ordered_at
    order.order_no = f"{ordered_at:%Y%m%d}" + order.order_no[8:]
    if order.paid_at is not None:
        order.paid_at -= shift
    if order.confirm_expires_at is not None:
        order.confirm_expires_at -= shift


def _card_books(session: Session, order: Order) -> None:
    """The demo's card payments as the sandbox and the shop would have recorded them:
    authorised for the total and captured at 注文する (so 取消 on them refunds)."""
    session.flush()
    order.paid_at = order.ordered_at
    ref, total, who = order.payment_reference, order.total, order.purchaser_email
    session.add_all([
        SandboxLedgerEntry(reference=ref, operation=SandboxOperation.AUTHORISE, amount=total,
                           last4="1111", at=order.ordered_at),
        SandboxLedgerEntry(reference=ref, operation=SandboxOperation.CAPTURE, amount=total,
                           order_no=order.order_no, at=order.ordered_at),
        CardAuthorisation(reference=ref, amount=total, last4="1111", order_id=order.id,
                          state=AuthorisationState.CLAIMED, created_at=order.ordered_at),
        PaymentRecord(action=PaymentAction.AUTHORISE, reference=ref, amount=total, actor=who,
                      order_id=order.id, at=order.ordered_at),
        PaymentRecord(action=PaymentAction.CAPTURE, reference=ref, amount=total, actor=who,
                      order_id=order.id, at=order.ordered_at),
    ])


class _History:
    """Dates what a step of an order wrote: its history lines and the mails it queued."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.events = 0
        self.mails: set[int] = set()

    def happened(self, order: Order, at) -> None:
        """Everything the order got since the last call happened ``at``."""
        self.session.flush()
        for event in order.events[self.events:]:
            event.at = at
        self.events = len(order.events)
        for message in self.session.scalars(select(OutboxMessage).where(
                OutboxMessage.order_id == order.id, OutboxMessage.id.not_in(self.mails))):
            message.created_at = message.next_attempt_at = at
            self.mails.add(message.id)


def _advance(session: Session, order: Order, final: str, i: int, history: _History) -> None:
    """Walk the order to ``final`` through the rules, each step dated after the last."""
    age = now() - order.ordered_at
    step = min(timedelta(hours=20), age / 5)  # a working day, or less for a recent order
    if final in (OrderStatus.INSTRUCTED, "shipped", OrderStatus.DONE):
        order.instruct_shipping(ACTOR)
        history.happened(order, order.ordered_at + step)
    if final in ("shipped", OrderStatus.DONE):
        shipped_at = order.ordered_at + 2 * step
        order.register_shipment(SlipDetails(
            f"1234-5678-{i:04d}", shipped_at,
            delivery_company=DEMO_COMPANIES[i % len(DEMO_COMPANIES)]), ACTOR, by_hand=False)
        history.happened(order, shipped_at)
    if final == OrderStatus.DONE:
        notified_at = order.ordered_at + 2 * step + timedelta(hours=3)
        _log_sent_notice(session, order, notified_at)
        order.mark_shipping_notified(ACTOR)
        history.happened(order, notified_at)
    if final == OrderStatus.CANCELLED:
        order.cancel(session, ACTOR)
        history.happened(order, order.ordered_at + step / 4)
    if i == 3:
        order.memo = "お客様より電話あり。配送日の確認済み。"


def _log_sent_notice(session: Session, order: Order, at) -> None:
    """The 出荷通知 a finished order got, in its メール送信履歴 (sent long ago: no outbox row)."""
    message = queue_order_mail(session, order, MailKind.SHIPPING_NOTICE)
    if message is None:
        return
    session.add(MailLog(order_id=order.id, sent_at=at, mail_from=message.mail_from,
                        mail_to=message.mail_to, bcc=message.bcc, subject=message.subject,
                        body=message.body))
    session.expunge(message)


def _mark_demo_mail_sent(session: Session) -> None:
    """The demo's order mails count as sent: logged on each order, nothing queued."""
    session.flush()
    for message in session.scalars(select(OutboxMessage)).all():
        message.status = OutboxStatus.SENT
        message.sent_at = message.created_at
        if message.order_id:
            session.add(MailLog(order_id=message.order_id, sent_at=message.created_at,
                                mail_from=message.mail_from, mail_to=message.mail_to,
                                bcc=message.bcc, subject=message.subject, body=message.body))


def grow(session: Session, *, members: int, orders: int,
         echo: Callable[[str], None] = print) -> None:
    """Bulk-add members and orders up to the given totals (benchmark size), fast."""
    have = session.scalar(select(func.count()).select_from(Member)) or 0
    if members > have:
        _bulk_members(session, have, members - have)
        session.commit()
        echo(f"会員を {members - have} 件追加しました。")
    have = session.scalar(select(func.count()).select_from(Order)) or 0
    if orders > have:
        _bulk_orders(session, orders - have)
        echo(f"注文を {orders - have} 件追加しました。")


def _bulk_members(session: Session, start: int, count: int) -> None:
    domains = ("docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "i.softbank.jp", "example.com")
    member = Member(email="x", name="x")
    member.set_password("bulk-member-pass")  # one hash for all: hashing 10,000 takes minutes
    rows = [
        {"email": f"member{start + n:06d}@{domains[n % 5]}", "name": f"会員 {start + n}",
         "kana": "カイイン", "tel": f"090{start + n:08d}", "zip_code": "1000001",
         "address": f"東京都千代田区千代田{n % 9 + 1}-{n % 20 + 1}",
         "carrier": carrier_for_address(f"x@{domains[n % 5]}"), "newsletter": n % 4 != 0,
         "password_hash": member.password_hash, "status": "active",
         "email_verified_at": now(), "created_at": now(), "updated_at": now()}
        for n in range(count)
    ]
    for chunk in range(0, len(rows), 5000):
        session.execute(insert(Member), rows[chunk:chunk + 5000])


def _bulk_orders(session: Session, count: int, chunk: int = 5000) -> None:
    rng = random.Random(count)
    products = session.scalars(select(Product)).all()
    statuses = [s.value for s in OrderStatus]
    start = now() - timedelta(days=365)
    for offset in range(0, count, chunk):
        size = min(chunk, count - offset)
        last = session.execute(update(OrderSequence).where(OrderSequence.id == 1)
                               .values(value=OrderSequence.value + size)
                               .returning(OrderSequence.value)).scalar_one()
        orders, items, packages = _bulk_rows(rng, products, statuses, start, last - size, size)
        ids = session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True),
                              orders).all()
        for order_id, its, package in zip(ids, items, packages, strict=True):
            for item in its:
                item["order_id"] = order_id
            package["order_id"] = order_id
        session.execute(insert(OrderItem), [i for its in items for i in its])
        session.execute(insert(Package), packages)
        session.commit()


def _bulk_rows(rng, products, statuses, start, first_no, size):
    orders, items, packages = [], [], []
    for n in range(size):
        at = start + timedelta(seconds=rng.randint(0, 365 * 86400))
        product = products[rng.randrange(len(products))]
        qty = rng.randint(1, 3)
        status = statuses[rng.randrange(len(statuses))]
        subtotal = product.price * qty
        cod = rng.random() < 0.6
        total = subtotal + 800 + (315 if cod else 0)
        name = f"購入者 {first_no + n}"
        orders.append({
            "order_no": f"{at:%Y%m%d}_{first_no + n + 1:010d}", "ordered_at": at,
            "status": status, "carrier": "docomo", "purchaser_name": name,
            "purchaser_kana": "コウニュウシャ", "purchaser_tel": f"090{first_no + n:08d}",
            "purchaser_email": f"buyer{first_no + n}@docomo.ne.jp", "purchaser_zip": "1000001",
            "purchaser_address": "東京都千代田区千代田1-1", "recipient_name": name,
            "recipient_zip": "1000001", "recipient_address": "東京都千代田区千代田1-1",
            "payment_method": "cod" if cod else "card", "subtotal": subtotal,
            "cod_fee": 315 if cod else 0, "shipping_fee": 800, "wrapping_fee": 0,
            "total": total, "instructed_by_download": status in ("instructed", "done"),
            "taxable_10pct": total, "tax_10pct": total * 10 // 110,
            "memo": "", "note": "", "delivery_time": "", "wrapping": "",
            "payment_status": "未決済", "payment_reference": "",
        })
        items.append([{"code": product.code, "name": product.name, "option_text": "",
                       "unit_price": product.price, "quantity": qty, "cancelled": False}])
        shipped = status == "done"
        packages.append({"status": PackageStatus.NOTIFIED if shipped else PackageStatus.WAITING,
                         "delivery_no": f"9{first_no + n:011d}" if shipped else "",
                         "delivery_date": at + timedelta(days=2) if shipped else None})
    return orders, items, packages

