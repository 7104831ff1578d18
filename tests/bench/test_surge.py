"""A small surge (bench/surge.py) in the suite: real ``ktaishop serve``, two mail workers,
PostgreSQL, shoppers over HTTP; the same invariants as the bench."""

from __future__ import annotations

import os
import uuid

from sqlalchemy.engine import make_url

from bench.crowd.shop import running_shop
from bench.surge import report, run_surge
from tests.serving.conftest import postgresql_base


def surge_database_url() -> str:
    """A database of this test's own on the suite's PostgreSQL server (PostgreSQL only)."""
    name = f"ktaishop_surge_{uuid.uuid4().hex[:10]}"
    return make_url(postgresql_base()).set(database=name).render_as_string(hide_password=False)


def test_sixty_shoppers_at_once_buy_without_errors_oversell_or_a_mail_twice(capsys):
    url = surge_database_url()
    with running_shop(url, workers=2, threads=4, scarce_stock=3, drop_after=True) as (
            shop, sink):
        surge = run_surge(shop, sink, shoppers=60, seconds=5, checkout_share=0.3,
                          concurrency=16, scarce_share=0.5, seed=60)
        sink.wait_quiet(shop)
        failures = report(surge, sink, shop, elapsed=5, load_before=os.getloadavg())
    printed = capsys.readouterr().out
    assert failures == [], printed
    assert surge.errors == [] and len(surge.placed) >= 5, printed
    assert surge.sold_out > 0, printed  # some came too late for the scarce product
    for step in ("top", "shelf", "product", "cart_add", "checkout", "place", "confirm_link"):
        assert step in printed
