"""The fee rule: 代引き tiers, free shipping over a threshold, wrapping."""

from __future__ import annotations

import pytest

from models import PaymentMethod, ShopSettings, calculate_fees


@pytest.fixture
def settings():
    return ShopSettings(
        cod_fee_tiers=[{"up_to": 9999, "fee": 315}, {"up_to": 29999, "fee": 420},
                       {"up_to": None, "fee": 630}],
        shipping_fee=800, free_shipping_over=10000,
        wrapping_options=[{"name": "包装紙", "fee": 3}],
    )


@pytest.mark.parametrize(("subtotal", "cod", "shipping"), [
    (1000, 315, 800),     # 1,000 + 800 → first tier (the manual's 2,118-yen order)
    (9199, 315, 800),     # 9,999 with shipping: still the first tier
    (9200, 420, 800),     # 10,000 with shipping: next tier
    (10000, 315 + 105, 0),  # free shipping from 10,000; tier chosen on 10,000
    (50000, 630, 0),      # open last tier
])
def test_cod_tiers_and_free_shipping(settings, subtotal, cod, shipping):
    fees = calculate_fees(settings, subtotal, PaymentMethod.COD, None)
    assert (fees.cod_fee, fees.shipping_fee) == (cod, shipping)
    assert fees.total == subtotal + cod + shipping


def test_the_manuals_order_total(settings):
    fees = calculate_fees(settings, 1000, PaymentMethod.COD, "包装紙")
    assert (fees.cod_fee, fees.shipping_fee, fees.wrapping_fee, fees.total) == (315, 800, 3, 2118)


def test_card_orders_pay_no_cod_fee(settings):
    assert calculate_fees(settings, 1000, PaymentMethod.CARD, None).cod_fee == 0


def test_nothing_left_costs_nothing(settings):
    assert calculate_fees(settings, 0, PaymentMethod.COD, "包装紙").total == 0


def test_unknown_wrapping_costs_nothing(settings):
    assert calculate_fees(settings, 1000, PaymentMethod.CARD, "金箔").wrapping_fee == 0
