"""Benchmark: 出荷結果登録 of a 10,000-row CSV against a bare executemany of the same change.

Import path (what 確定 does, admin.delivery.upload._apply): in a session of its own and
one pause of the cyclic garbage collector, ``plan_import(lock=True)`` reads the CP932
file (encoding sniffing, header normalisation, every value checked), reads the 10,000
orders and packages (locked) and judges each row by the shop's rule
(models.shipment_rule.decide_shipment); the plan's fingerprint is checked against the
preview's; ``apply_plan`` writes the rule's changes (packages → 出荷済 and one event
each); then one commit, and the plan is freed before the collector runs again. (The
preview itself, a request of its own before 確定, is not timed.)
Baseline: one SELECT of the ids, then an ``executemany`` UPDATE of the packages and an
``executemany`` INSERT of the events, then commit - the least any importer could do.

Both run in the same process on the same database, in ``--rounds`` rounds: before the
baseline and before the import every package is set back to 出荷待ち and the events
are deleted (not timed), so both make the same change from the same state. The
machine is shared, so the figures are the best round of each, with the load average.

Run: .venv/bin/python bench/shipping_import.py [--rows N] [--rounds R] [--database-url URL]
(PostgreSQL: an empty database). Goal: import / baseline <= 2, under 5 s on SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402

from ktaishop import create_app  # noqa: E402
from ktaishop.extensions import db  # noqa: E402
from ktaishop.migrate import upgrade  # noqa: E402
from models import Order, OrderEvent, OrderStatus, Package, PackageStatus  # noqa: E402

ACTOR = "bench"


def seed(count: int) -> list[str]:
    """``count`` 出荷指示 orders (by 注文情報ダウンロード) with 出荷待ち packages."""
    at = datetime(2008, 10, 21, 14, 28)
    numbers = [f"20081021_{n:010d}" for n in range(1, count + 1)]
    orders = [{
        "order_no": no, "ordered_at": at, "status": OrderStatus.INSTRUCTED, "carrier": "docomo",
        "purchaser_name": "購入者", "purchaser_email": f"buyer{n}@docomo.ne.jp",
        "recipient_name": "受取人", "instructed_by_download": True,
    } for n, no in enumerate(numbers)]
    session = db.session
    ids = session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True),
                          orders).all()
    session.execute(insert(Package), [{"order_id": i, "status": PackageStatus.WAITING}
                                      for i in ids])
    session.commit()
    return numbers


def csv_file(numbers: list[str]) -> bytes:
    lines = ["order_no,delivery_no,delivery_date,shop_code,shop_name,shop_tel,shop_memo"]
    lines += [f"{no},1234-5678-{n:06d},2008/10/22 9:{n % 60:02d},10,勝どき配送センター,"
              f"03-0000-0000," for n, no in enumerate(numbers)]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def baseline(numbers: list[str]) -> float:
    """The bare change: ids, executemany UPDATE, executemany INSERT, commit."""
    start = time.perf_counter()
    with db.engine.connect() as conn:
        ids = dict(conn.execute(select(Order.order_no, Order.id)).all())
        when = datetime(2008, 10, 22, 9, 0)
        conn.execute(text(
            "UPDATE packages SET status = :status, delivery_no = :no, delivery_date = :at, "
            "shop_code = '10', shop_name = :shop WHERE order_id = :order_id"),
            [{"status": PackageStatus.SHIPPED.value, "no": f"1234-5678-{n:06d}", "at": when,
              "shop": "勝どき配送センター", "order_id": ids[no]} for n, no in enumerate(numbers)])
        conn.execute(insert(OrderEvent), [
            {"order_id": ids[no], "at": when, "actor": ACTOR,
             "action": f"荷物状態: 出荷待ち → 出荷済（伝票番号 1234-5678-{n:06d}）"}
            for n, no in enumerate(numbers)])
        conn.commit()  # as the import does: on SQLite a commit writes the WAL
        return time.perf_counter() - start


def reset() -> None:
    """Every package 出荷待ち again with an empty slip, and no events (not timed)."""
    with db.engine.begin() as conn:
        conn.execute(update(Package).values(
            status=PackageStatus.WAITING, delivery_no="", delivery_date=None, shop_code="",
            shop_name="", shop_tel="", shop_memo=""))
        conn.execute(delete(OrderEvent))


def preview(data: bytes) -> str:
    """The preview's fingerprint, as the upload page puts it in the 確定 form (not timed)."""
    from admin.delivery.upload_plan import plan_import

    session = db.new_session()
    try:
        return plan_import(session, data).fingerprint()
    finally:
        session.rollback()
        session.close()


def import_file(data: bytes, fingerprint: str) -> tuple[float, float, dict[str, int]]:
    """(seconds to read and judge, seconds to apply and commit, the plan's counts)."""
    from admin.delivery.upload_plan import apply_plan, plan_import, without_cyclic_gc

    session = db.new_session()  # as 確定 does: a session of its own
    try:
        start = time.perf_counter()
        with without_cyclic_gc():
            plan = plan_import(session, data, lock=True)
            if not plan.ok:
                raise SystemExit(f"unexpected errors: {[str(e) for e in plan.errors[:5]]}")
            if plan.fingerprint() != fingerprint:
                raise SystemExit("the plan at 確定 differs from the preview's")
            judged = time.perf_counter()
            apply_plan(plan, ACTOR)
            session.commit()
            counts = plan.counts
            del plan  # freed inside the pause, as 確定 does
        return judged - start, time.perf_counter() - judged, counts
    finally:
        session.close()


def shipped_in_db() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Package)
                           .where(Package.status == PackageStatus.SHIPPED)) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ktaishop-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "IMAGE_DIR": str(folder / "images"),
                      "MAIL_URL": f"file://{folder / 'mail'}", "SECRET_KEY": "bench"})
    rounds: list[tuple[float, float, float]] = []
    with app.app_context():
        numbers = seed(args.rows)
        data = csv_file(numbers)
        print(f"rows: {args.rows}  file: {len(data) / 1024 / 1024:.1f} MB  database: "
              f"{url.split(':', 1)[0]}")
        for number in range(1, args.rounds + 1):
            reset()
            base = baseline(numbers)
            reset()
            judge, apply, counts = import_file(data, preview(data))
            shipped = shipped_in_db()
            if counts["ship"] != args.rows or shipped != args.rows:
                raise SystemExit(f"round {number}: 出荷済 {counts['ship']}, in db {shipped}")
            rounds.append((base, judge, apply))
            print(f"round {number}: baseline {base:5.2f} s  import {judge + apply:5.2f} s "
                  f"(read+judge+check {judge:5.2f}, apply+commit {apply:5.2f})  "
                  f"ratio {(judge + apply) / base:4.2f}x  load {_load()}")
        db.session.close()
        db.engine.dispose()
    base = min(r[0] for r in rounds)
    took = min(r[1] + r[2] for r in rounds)
    print(f"best baseline executemany: {base:6.2f} s")
    print(f"best import (read+judge+apply+commit): {took:6.2f} s  ratio {took / base:4.2f}x  "
          f"(every round: 出荷済 {args.rows} in the plan and in the database)")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
