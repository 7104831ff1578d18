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


def test_the_worker_cancels_expired_provisional_orders(db):
    order, product = _expired_order(db)
    fresh = make_order(db, OrderStatus.PROVISIONAL, product=product)  # link still valid
    db.commit()
    worker.Housekeeping().run(db)  # a new sending run's first round
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert fresh.status == OrderStatus.PROVISIONAL
    assert product.variants[0].stock == 5 - 1  # the expired order's two units came back


def test_each_sending_run_keeps_its_own_expiry_timer(db):
    first, product = _expired_order(db)
    running = worker.Housekeeping()
    running.run(db)
    later = make_order(db, OrderStatus.PROVISIONAL, product=product)
    later.confirm_expires_at = now() - timedelta(minutes=1)
    db.commit()
    running.run(db)  # the same run, within the minute: the job does not run again yet
    db.expire_all()
    assert first.status == OrderStatus.CANCELLED
    assert later.status == OrderStatus.PROVISIONAL
    worker.Housekeeping().run(db)  # another worker (or deliver_due) starting now
    db.expire_all()
    assert later.status == OrderStatus.CANCELLED


def test_the_cli_job_reports_what_it_cancelled(db, runner):
    _expired_order(db)
    result = runner.invoke(args=["expire-orders"])
    assert result.exit_code == 0 and "1 件" in result.output
