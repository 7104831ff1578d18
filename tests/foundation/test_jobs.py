"""The periodic job: expired 仮注文 are cancelled by the CLI and by the mail worker."""

from __future__ import annotations

from datetime import timedelta

from ktaishop.mail import worker
from models import OrderStatus, now
from tests.factories import make_order, make_product


def _expired_order(db, stock=5):
    product = make_product(db, stock=stock)
    order = make_order(db, OrderStatus.PROVISIONAL, product=product, quantity=2)
    order.confirm_expires_at = now() - timedelta(minutes=1)
    db.commit()
    return order, product


def test_the_worker_cancels_expired_provisional_orders(db, monkeypatch):
    order, product = _expired_order(db)
    fresh = make_order(db, OrderStatus.PROVISIONAL, product=product)  # link still valid
    db.commit()
    monkeypatch.setattr(worker, "_last_expiry", [float("-inf")])
    worker.tick(db)
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert fresh.status == OrderStatus.PROVISIONAL
    assert product.variants[0].stock == 5 - 1  # the expired order's two units came back


def test_the_cli_job_reports_what_it_cancelled(db, runner):
    _expired_order(db)
    result = runner.invoke(args=["expire-orders"])
    assert result.exit_code == 0 and "1 件" in result.output
