"""Orders, their items, packages (配送伝票) and event log, with the manual's transitions.

Every change of 注文状態 or 荷物状態 goes through a named method here; screens and
CSV imports call these and never set ``status`` themselves. Methods flush nothing and
commit nothing: the request or command that calls them owns the transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, now
from .catalog import release_stock, reserve_stock
from .errors import TransitionError
from .fees import FeeRules, order_fee_rules
from .order_payment import OrderPayment
from .order_tax import OrderTax
from .shipment_rule import (
    SlipDetails,
    decide_shipment,
    refusal_message,
    slip_changes,
)
from .shop import ShopSettings
from .statuses import OrderStatus, PackageStatus
from .tax import TaxRate

S = OrderStatus

# The columns 注文一覧's キーワード looks in (admin.orders.search).
KEYWORD_COLUMNS = (
    "order_no", "purchaser_name", "purchaser_kana", "purchaser_address", "purchaser_email",
)
# 注文一覧's キーワード also finds orders by the name or code of an item they hold.
ITEM_KEYWORD_COLUMNS = ("name", "code")
POSTGRESQL_ONLY_INDEXES = frozenset(
    [f"ix_orders_{column}_trgm" for column in KEYWORD_COLUMNS]
    + [f"ix_order_items_{column}_trgm" for column in ITEM_KEYWORD_COLUMNS])
# Built by migration 0004 on PostgreSQL only, on replace(purchaser_tel, '-', ''): an
# expression index the models cannot describe to Alembic's comparison.
MIGRATION_ONLY_INDEXES = frozenset({"ix_orders_tel_digits_trgm"})


class Order(OrderPayment, OrderTax, Base):
    """An order; its 決済 columns and rules are in ``OrderPayment``, its 消費税 in ``OrderTax``."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status_ordered_at", "status", "ordered_at"),
        Index("ix_orders_ordered_at", "ordered_at"),
        # 注文一覧's キーワード is a substring search; on PostgreSQL trigram indexes
        # answer it without reading every order (SQLite scans, which is fast enough there).
        *(
            Index(f"ix_orders_{column}_trgm", column, postgresql_using="gin",
                  postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
            for column in KEYWORD_COLUMNS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    ordered_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    status: Mapped[str] = mapped_column(String(20), default=S.PROVISIONAL)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The carrier the purchaser ordered from (docomo/au/softbank/smartphone/pc).
    carrier: Mapped[str] = mapped_column(String(20), default="pc")

    purchaser_name: Mapped[str] = mapped_column(String(100))
    purchaser_kana: Mapped[str] = mapped_column(String(100), default="")
    purchaser_tel: Mapped[str] = mapped_column(String(20), default="")
    purchaser_email: Mapped[str] = mapped_column(String(254))
    purchaser_zip: Mapped[str] = mapped_column(String(8), default="")
    purchaser_address: Mapped[str] = mapped_column(String(200), default="")
    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_kana: Mapped[str] = mapped_column(String(100), default="")
    recipient_tel: Mapped[str] = mapped_column(String(20), default="")
    recipient_zip: Mapped[str] = mapped_column(String(8), default="")
    recipient_address: Mapped[str] = mapped_column(String(200), default="")

    delivery_date: Mapped[date | None] = mapped_column(Date)  # 配送希望日; None = 指定なし
    delivery_time: Mapped[str] = mapped_column(String(40), default="")  # "" = 指定なし
    wrapping: Mapped[str] = mapped_column(String(40), default="")  # "" = なし
    note: Mapped[str] = mapped_column(Text, default="")  # 備考 from the shopper

    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    cod_fee: Mapped[int] = mapped_column(Integer, default=0)
    shipping_fee: Mapped[int] = mapped_column(Integer, default=0)
    wrapping_fee: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The fee settings the order was placed under (FeeRules); None: placed before they
    # were kept (its fees as charged then stand, see ``fees.order_fee_rules``).
    fee_rules: Mapped[dict | None] = mapped_column(JSON)

    memo: Mapped[str] = mapped_column(Text, default="")  # the shop's own メモ
    # True when 出荷指示 came from 注文情報ダウンロード; False when set by hand in 訂正 (P10).
    instructed_by_download: Mapped[bool] = mapped_column(Boolean, default=False)
    confirm_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # One order per checkout form, whatever the shopper's thumb does (double submit).
    checkout_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Who placed a guest's 仮注文 (a digest of the handset's subscriber ID or the address):
    # the limit of 仮注文 per client (models.holds).
    hold_client: Mapped[str | None] = mapped_column(String(64), index=True)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    package: Mapped[Package] = relationship(
        back_populates="order", cascade="all, delete-orphan", uselist=False
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    @property
    def status_enum(self) -> OrderStatus:
        return OrderStatus(self.status)

    @property
    def active_items(self) -> list[OrderItem]:
        return [item for item in self.items if not item.cancelled]

    # -- transitions -------------------------------------------------------------------

    def confirm(self, session: Session, actor: str) -> None:
        """仮注文 → 注文完了 (the guest opened the mailed link, or the shop confirmed it)."""
        self._require(S.PROVISIONAL, "この注文は仮注文ではないため確定できません。")
        self.require_paid()  # a card is captured first (ktaishop.payment.capture_order)
        self.confirm_token_digest = None
        self._move(S.COMPLETED, actor, "注文確定")
        from .mail import MailKind, queue_order_mail  # mail renders orders: import late

        queue_order_mail(session, self, MailKind.ORDER_CONFIRMATION)

    def instruct_shipping(self, actor: str) -> None:
        """注文完了 → 出荷指示 by 注文情報ダウンロード (P16), the regular path."""
        self._require(S.COMPLETED, "注文完了の注文だけが出荷指示になります。")
        self.instructed_by_download = True
        self._move(S.INSTRUCTED, actor, "注文情報ダウンロード")

    def instruct_shipping_by_hand(self, actor: str) -> None:
        """注文完了 → 出荷指示 through 訂正: the irregular path (P10, P24)."""
        self._require(S.COMPLETED, "注文完了の注文だけを出荷指示にできます。")
        self.instructed_by_download = False
        self._move(S.INSTRUCTED, actor, "訂正で出荷指示に変更（イレギュラー）")

    def complete_by_hand(self, actor: str) -> None:
        """出荷指示 → 完了 through 訂正."""
        self._require(S.INSTRUCTED, "出荷指示の注文だけを完了にできます。")
        self._move(S.DONE, actor, "訂正で完了に変更")

    def set_back_to_completed(self, actor: str) -> None:
        """出荷指示 → 注文完了 through 訂正, while nothing has shipped."""
        self._require(S.INSTRUCTED, "出荷指示の注文だけを注文完了に戻せます。")
        self._require_not_shipped("出荷済の注文は注文完了に戻せません。")
        self.instructed_by_download = False
        self._move(S.COMPLETED, actor, "訂正で注文完了に戻す")

    def cancel(self, session: Session, actor: str, reason: str = "取消") -> None:
        """→ キャンセル (取消, 訂正, or an expired 仮注文); the items' stock comes back.

        The money is settled apart (``settle_cancellation``), by whoever can reach the
        payment gateway: until then a card authorisation stays 与信済, as it truly is.
        """
        if self.status == S.CANCELLED:
            raise TransitionError("この注文はすでにキャンセルされています。")
        if self.status == S.DONE:
            raise TransitionError("完了した注文は取り消せません。")
        self._require_not_shipped("出荷済の注文は取り消せません。")
        for item in self.active_items:
            item.release(session)
        self._move(S.CANCELLED, actor, reason)

    def restore(self, session: Session, actor: str) -> None:
        """キャンセル → 注文完了 through 訂正; stock is taken again or OutOfStock raised.

        A card order comes back only while its charge stands (TransitionError after a
        void or a refund: nothing could be charged for it any more).
        """
        self._require(S.CANCELLED, "キャンセルの注文だけを元に戻せます。")
        self.require_restorable_payment()
        for item in self.active_items:
            item.reserve(session)
        self.confirm_token_digest = None
        self._move(S.COMPLETED, actor, "訂正でキャンセルから注文完了に戻す")
        self.reinstate_payment(actor)
        self.require_paid()

    def correct_status(self, session: Session, target: OrderStatus, actor: str) -> None:
        """訂正 (P10, P24): move to ``target`` by the one path the manual allows."""
        current = self.status_enum
        if target == current:
            return
        self.check_correction(target)
        _CORRECTIONS[(current, target)](self, session, actor)

    def check_correction(self, target: OrderStatus) -> None:
        """Raise TransitionError unless 訂正's table allows ``target`` from here (staying
        where it is is allowed); the move itself may still be refused by its rule."""
        current = self.status_enum
        if target != current and (current, target) not in _CORRECTIONS:
            raise TransitionError(
                f"注文状態を「{current.label}」から「{target.label}」には変更できません。"
            )

    def register_shipment(self, slip: SlipDetails, actor: str, *, by_hand: bool) -> bool:
        """出荷待ち → 出荷済 with the 配送伝票 (P20 CSV, or P21 per order when ``by_hand``).

        Re-registering a 出荷済 package only updates the slip fields. Returns whether
        anything changed, so a re-uploaded file changes nothing twice.
        """
        package = self.package
        decision = decide_shipment(self.status, self.instructed_by_download, package.status,
                                   package, slip, by_hand=by_hand, at=now())
        if decision.refusal is not None:
            raise TransitionError(refusal_message(decision.refusal, self.status))
        for name, value in decision.values.items():
            setattr(package, name, value)
        if decision.event is not None:
            self._log(actor, decision.event)
        return decision.changed

    def mark_shipping_notified(self, actor: str) -> None:
        """出荷済 → 出荷通知済 and the order 出荷指示 → 完了 (P22), after the notice is queued."""
        if self.package.status != PackageStatus.SHIPPED or self.status != S.INSTRUCTED:
            raise TransitionError("出荷済の荷物だけに出荷通知を送れます。")
        self.package.status = PackageStatus.NOTIFIED
        self._log(actor, "荷物状態: 出荷済 → 出荷通知済")
        self._move(S.DONE, actor, "出荷通知メール送信")

    # -- items and totals ---------------------------------------------------------------

    def cancel_item(self, session: Session, item: OrderItem, actor: str) -> None:
        """Per-item 取消 in 訂正: the line's stock comes back and totals follow."""
        self._require_editable_items()
        if item.cancelled:
            return
        if self.active_items == [item]:
            # An order with nothing left would still be shipped and notified at 0 円.
            raise TransitionError(
                "すべての商品を取り消すことはできません。注文ごと取り消すときは「取消」を使ってください。"
            )
        item.release(session)
        item.cancelled = True
        self.recompute_totals()
        self._log(actor, f"商品取消: {item.code} {item.name} {item.option_text} ×{item.quantity}")

    def restore_item(self, session: Session, item: OrderItem, actor: str) -> None:
        """Undo a per-item 取消; stock is taken again or OutOfStock raised."""
        self._require_editable_items()
        if not item.cancelled:
            return
        item.reserve(session)
        item.cancelled = False
        self.recompute_totals()
        self._log(actor, f"商品取消を解除: {item.code} {item.name} {item.option_text}")

    def recompute_totals(self, settings: ShopSettings | None = None) -> None:
        """Subtotal, fees and tax per rate from the active items; nothing left means
        nothing to pay. The fees follow the order's own fee rules (``settings`` are
        kept as those rules first, when given: placing the order); the tax follows the
        lines' own rates and the order's rounding."""
        from .fees import calculate_fees

        if settings is not None:
            self.fee_rules = FeeRules.from_settings(settings).to_json()
        rules = order_fee_rules(self)
        self.subtotal = sum(item.amount for item in self.active_items)
        fees = calculate_fees(rules, self.subtotal, self.payment, self.wrapping)
        self.cod_fee, self.shipping_fee = fees.cod_fee, fees.shipping_fee
        self.wrapping_fee, self.total = fees.wrapping_fee, fees.total
        self.recompute_tax()

    def update_memo(self, memo: str, actor: str) -> None:
        if memo != self.memo:
            self.memo = memo
            self._log(actor, "メモを更新")

    # -- helpers ------------------------------------------------------------------------

    def _require(self, status: OrderStatus, message: str) -> None:
        if self.status != status:
            raise TransitionError(message)

    def _require_not_shipped(self, message: str) -> None:
        if self.package is not None and self.package.status != PackageStatus.WAITING:
            raise TransitionError(message)

    def _require_editable_items(self) -> None:
        if self.status in (S.DONE, S.CANCELLED):
            raise TransitionError(f"「{self.status_enum.label}」の注文の商品は変更できません。")
        self._require_not_shipped("出荷済の注文の商品は変更できません。")

    def _move(self, target: OrderStatus, actor: str, why: str) -> None:
        before = self.status_enum
        self.status = target
        self._log(actor, f"注文状態: {before.label} → {target.label}（{why}）")

    def log_action(self, actor: str, what: str) -> None:
        """Write ``what`` in the order's history: an action with no rule of its own (a
        mail sent from 注文一覧's 一括操作)."""
        self._log(actor, what)

    def _log(self, actor: str, what: str) -> None:
        self.events.append(OrderEvent(actor=actor, action=what))


def _confirm(order: Order, session: Session, actor: str) -> None:
    order.confirm(session, actor)


def _cancel(order: Order, session: Session, actor: str) -> None:
    order.cancel(session, actor, "訂正でキャンセル")


# 訂正's allowed moves (P10, P24); every other pair is refused with a message.
_CORRECTIONS = {
    (S.PROVISIONAL, S.COMPLETED): _confirm,
    (S.PROVISIONAL, S.CANCELLED): _cancel,
    (S.COMPLETED, S.INSTRUCTED): lambda o, s, a: o.instruct_shipping_by_hand(a),
    (S.COMPLETED, S.CANCELLED): _cancel,
    (S.INSTRUCTED, S.COMPLETED): lambda o, s, a: o.set_back_to_completed(a),
    (S.INSTRUCTED, S.DONE): lambda o, s, a: o.complete_by_hand(a),
    (S.INSTRUCTED, S.CANCELLED): _cancel,
    (S.CANCELLED, S.COMPLETED): lambda o, s, a: o.restore(s, a),
}
CORRECTABLE_PAIRS = frozenset(_CORRECTIONS)


class OrderItem(Base):
    """A line as sold: code, name and price are copied so history never changes."""

    __tablename__ = "order_items"
    __table_args__ = tuple(
        Index(f"ix_order_items_{column}_trgm", column, postgresql_using="gin",
              postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
        for column in ITEM_KEYWORD_COLUMNS
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    option_text: Mapped[str] = mapped_column(String(200), default="")
    unit_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # 税率 (models.tax.TaxRate) as ordered; a later change of the product's never applies.
    tax_rate: Mapped[int] = mapped_column(Integer, default=10)
    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity

    @property
    def reduced_rate(self) -> bool:
        """A 軽減税率 line: marked 「※」 wherever lines are listed."""
        return self.tax_rate == TaxRate.REDUCED

    def reserve(self, session: Session) -> None:
        if self.variant_id is not None:
            reserve_stock(session, self.variant_id, self.quantity, self.name)

    def release(self, session: Session) -> None:
        if self.variant_id is not None:
            release_stock(session, self.variant_id, self.quantity)


class Package(Base):
    """The order's parcel and its 配送伝票; 荷物状態 lives here."""

    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PackageStatus.WAITING, index=True)
    delivery_no: Mapped[str] = mapped_column(String(40), default="")
    delivery_date: Mapped[datetime | None] = mapped_column(DateTime)
    shop_code: Mapped[str] = mapped_column(String(40), default="")
    shop_name: Mapped[str] = mapped_column(String(100), default="")
    shop_tel: Mapped[str] = mapped_column(String(20), default="")
    shop_memo: Mapped[str] = mapped_column(String(200), default="")
    # 配送業者 (models.tracking.DeliveryCompany); "" = 未指定.
    delivery_company: Mapped[str] = mapped_column(String(20), default="")
    order: Mapped[Order] = relationship(back_populates="package")

    @property
    def status_enum(self) -> PackageStatus:
        return PackageStatus(self.status)

    @property
    def has_slip(self) -> bool:
        return bool(self.delivery_no)

    def apply_slip(self, slip: SlipDetails) -> bool:
        """Copy the slip fields; True when any of them differs from what was stored."""
        changes = slip_changes(self, slip, now())
        for field, value in changes.items():
            setattr(self, field, value)
        return bool(changes)


class OrderEvent(Base):
    """The order's history: who changed what, when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(Text)
    order: Mapped[Order] = relationship(back_populates="events")
