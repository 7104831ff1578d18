"""Shop settings (設定): shop information, fees, delivery options, guest confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base
from .fees import FeeRules
from .mail import MailProfileName, chosen_profile
from .statuses import PaymentMethod
from .tax import Rounding, TaxRate
from .tracking import DEFAULT_TRACKING_URLS

# What the 最終確認画面 and the 特定商取引法 page say until the shop words it itself.
DEFAULT_DELIVERY_TIMING = "ご注文確定から3営業日以内に発送"
DEFAULT_PAYMENT_TIMING_COD = "商品お受け取り時に配達員へお支払い"
DEFAULT_PAYMENT_TIMING_CARD = "ご注文確定時に決済"
# Without a 返品特約 of its own, a mail-order shop owes the legal right of return
# (特定商取引法 第15条の3): 8 days from delivery, return postage paid by the buyer.
DEFAULT_RETURNS_SUMMARY = "商品到着後8日以内に限り返品できます（返送料はお客様のご負担）。"


def _default_cod_tiers() -> list[dict[str, Any]]:
    # The usual 代引き fee ladder of Japanese carriers (tax included); the last tier is open.
    return [
        {"up_to": 9999, "fee": 315},
        {"up_to": 29999, "fee": 420},
        {"up_to": 99999, "fee": 630},
        {"up_to": None, "fee": 1050},
    ]


def _default_wrapping() -> list[dict[str, Any]]:
    return [{"name": "包装紙", "fee": 105}, {"name": "ギフトボックス", "fee": 315}]


MAX_FROM = 254  # models.mail.OutboxMessage.mail_from


def _default_tracking_urls() -> dict[str, str]:
    return dict(DEFAULT_TRACKING_URLS)


def _default_time_slots() -> list[str]:
    return ["午前中", "12時～14時", "14時～16時", "16時～18時", "18時～21時"]


class ShopSettings(Base):
    """The single row of shop-wide settings; ``ShopSettings.load`` creates it on first use."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_name: Mapped[str] = mapped_column(String(100), default="ケータイショップ")
    seller: Mapped[str] = mapped_column(String(100), default="")
    manager: Mapped[str] = mapped_column(String(100), default="")
    zip_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    tel: Mapped[str] = mapped_column(String(20), default="")
    fax: Mapped[str] = mapped_column(String(20), default="")
    mail_from: Mapped[str] = mapped_column(String(254), default="shop@example.jp")
    mail_bcc: Mapped[str] = mapped_column(String(254), default="")
    returns_policy: Mapped[str] = mapped_column(Text, default="")
    privacy_policy: Mapped[str] = mapped_column(Text, default="")
    cod_fee_tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=_default_cod_tiers)
    shipping_fee: Mapped[int] = mapped_column(Integer, default=800)
    # None: shipping is never free.
    free_shipping_over: Mapped[int | None] = mapped_column(Integer, default=10000)
    wrapping_options: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=_default_wrapping
    )
    delivery_time_slots: Mapped[list[str]] = mapped_column(JSON, default=_default_time_slots)
    delivery_lead_days: Mapped[int] = mapped_column(Integer, default=3)
    delivery_range_days: Mapped[int] = mapped_column(Integer, default=14)
    guest_confirmation: Mapped[bool] = mapped_column(Boolean, default=True)
    # How long a guest's 仮注文 holds its stock waiting for the mailed link: long enough
    # to read the mail on a handset, short enough that unconfirmed orders do not keep
    # the last units from everyone for a day (was 24).
    confirmation_hours: Mapped[int] = mapped_column(Integer, default=3)
    easy_login: Mapped[bool] = mapped_column(Boolean, default=False)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=3)
    # メール設定: the carriers whose mail goes in the 3G-era form (旧端末向け), comma-
    # separated; every other carrier gets the standard profile (UTF-8, Unicode emoji).
    legacy_mail_carriers: Mapped[str] = mapped_column(String(60), default="")
    # 消費税・インボイス: the rate new products get, the rounding of each rate's tax, and
    # the 適格請求書発行事業者登録番号 ("" = not registered: the 納品書 is no 適格請求書).
    default_tax_rate: Mapped[int] = mapped_column(Integer, default=TaxRate.STANDARD)
    tax_rounding: Mapped[str] = mapped_column(String(10), default=Rounding.FLOOR)
    invoice_number: Mapped[str] = mapped_column(String(14), default="")
    # 最終確認画面 (特定商取引法 第12条の6) and the 特定商取引法 page, in the same words.
    delivery_timing: Mapped[str] = mapped_column(String(200), default=DEFAULT_DELIVERY_TIMING)
    payment_timing_cod: Mapped[str] = mapped_column(
        String(200), default=DEFAULT_PAYMENT_TIMING_COD)
    payment_timing_card: Mapped[str] = mapped_column(
        String(200), default=DEFAULT_PAYMENT_TIMING_CARD)
    returns_summary: Mapped[str] = mapped_column(String(200), default=DEFAULT_RETURNS_SUMMARY)
    # The full 返品特約 elsewhere; "" = the shop's own page of ``returns_policy``.
    returns_url: Mapped[str] = mapped_column(String(300), default="")
    # セキュリティ: unconfirmed guest orders (仮注文) one mail address or one handset may
    # hold at once, and whether every admin must log in with 二段階認証.
    provisional_limit: Mapped[int] = mapped_column(Integer, default=2)
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    # 送信者名: the display name on the From of the shop's mail ("" = the address alone).
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    # 配送業者 code -> its tracking page with {delivery_no} (models.tracking).
    tracking_urls: Mapped[dict[str, str]] = mapped_column(JSON, default=_default_tracking_urls)

    @classmethod
    def load(cls, session: Session) -> ShopSettings:
        """The shop's settings row, created with defaults when missing (not committed)."""
        settings = session.scalar(select(cls).where(cls.id == 1))
        if settings is not None:
            return settings
        try:
            with session.begin_nested():  # a concurrent first checkout may insert it too
                settings = cls(id=1)
                session.add(settings)
        except IntegrityError:
            settings = session.scalar(select(cls).where(cls.id == 1))
        return settings

    def mail_profile(self, carrier: str) -> MailProfileName:
        """The mail profile chosen in メール設定 for ``carrier``'s addresses."""
        return chosen_profile(self.legacy_mail_carriers, carrier)

    def payment_timing(self, payment: str) -> str:
        """支払時期 of a 決済方法 (``PaymentMethod`` value), as the shop words it."""
        if payment == PaymentMethod.CARD:
            return self.payment_timing_card
        return self.payment_timing_cod

    def sender(self, address: str) -> str:
        """The From of a shop mail sent from ``address``: ``"送信者名" <address>``, or the
        address alone when there is no 送信者名, ``address`` already carries a name, or
        the two would not fit the outbox's column."""
        name = (self.sender_name or "").strip()
        if not name or "<" in address:
            return address
        named = f'"{name}" <{address}>'
        return named if len(named) <= MAX_FROM else address  # the outbox's column

    def fee_rules(self) -> FeeRules:
        """The fee settings as the rules a new order is placed (and kept) under."""
        return FeeRules.from_settings(self)

    def wrapping_fee(self, name: str | None) -> int:
        """Fee of the 包装オプション called ``name``; 0 for none or an unknown name."""
        return self.fee_rules().wrapping_fee(name)

    def cod_fee(self, amount: int) -> int:
        """代引き手数料 for an order of ``amount`` yen (first tier whose ``up_to`` covers it)."""
        return self.fee_rules().cod_fee(amount)

    def shipping_fee_for(self, subtotal: int) -> int:
        """配送料: flat, free from ``free_shipping_over`` yen."""
        return self.fee_rules().shipping_fee_for(subtotal)
