"""Benchmark: the streamed order CSV (ダウンロード, P17) of 100,000 orders.

Two ways to write the same orders, each measured in a fresh child process so that its
peak RSS growth is its own (the highest RSS sampled while it runs, minus the RSS
before it starts):

* baseline: the least any exporter could do - one SELECT of orders joined with their
  items, rows handed straight to ``csv.writer``, encoded to CP932 (errors replaced);
* ours: ``admin.orders.order_csv.search_csv`` for a search of every status - the ids, then
  the orders and items in chunks, every cell formatted and neutralised, CP932 with
  the look-alike fallback, CRLF - exactly the bytes the admin downloads.

SQLite always (a temporary file); PostgreSQL too when ``--database-url`` or
``KTAISHOP_TEST_DATABASE_URL`` names one. Orders come from ``ktaishop.demo.grow``.

Run: .venv/bin/python bench/order_csv.py [--orders N] [--database-url URL]
Goal: peak RSS growth <= 50 MB; time within 1.5x of the baseline.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from order_search import database, shop  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from admin.orders.order_csv import HEADER, search_csv  # noqa: E402
from admin.orders.search import OrderSearch  # noqa: E402
from ktaishop.db import make_engine  # noqa: E402
from models import Order, OrderItem  # noqa: E402

EVERY_STATUS = MultiDict([("status", s) for s in
                          ("provisional", "completed", "instructed", "done", "cancelled")])


def rss_mb() -> float:
    """The resident set size now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


class PeakRss(threading.Thread):
    """Samples the RSS every 5 ms while a writer runs; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)


def baseline(engine) -> int:
    """One joined SELECT streamed into csv.writer; returns the bytes written."""
    statement = (
        select(*Order.__table__.c, OrderItem.code, OrderItem.name.label("item_name"),
               OrderItem.unit_price, OrderItem.quantity)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(OrderItem.cancelled.is_(False))
        .order_by(Order.ordered_at.desc(), Order.id.desc())
    )
    size = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(statement)
        for partition in result.partitions():
            writer.writerows(partition)
            size += len(buffer.getvalue().encode("cp932", "replace"))
            buffer.seek(0)
            buffer.truncate()
    return size


def ours(engine) -> int:
    return sum(len(chunk) for chunk in search_csv(engine, OrderSearch.from_args(EVERY_STATUS)))


def child(which: str, url: str) -> None:
    """Measure one writer in this process and print its figures as JSON."""
    engine = make_engine(url)
    with engine.connect() as conn:  # connect once first: the driver's memory is not ours
        conn.exec_driver_sql("SELECT 1")
    before = rss_mb()
    sampler = PeakRss()
    sampler.start()
    start = time.perf_counter()
    size = (baseline if which == "baseline" else ours)(engine)
    seconds = time.perf_counter() - start
    sampler.running = False
    sampler.join()
    print(json.dumps({"seconds": seconds, "bytes": size,
                      "rss_growth_mb": max(sampler.peak, rss_mb()) - before}))


def run_child(which: str, url: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, "--child-url", url],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("KTAISHOP_TEST_DATABASE_URL"))
    parser.add_argument("--child", choices=("baseline", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.child_url)
        return 0
    ok = True
    print(f"columns: {len(HEADER)}")
    for kind in ["sqlite"] + (["postgresql"] if options.database_url else []):
        print(f"[{kind}]")
        with database(kind, options.database_url) as url:
            shop(url, options.orders)
            base = run_child("baseline", url)
            mine = run_child("ours", url)
        ratio = mine["seconds"] / base["seconds"]
        good = ratio <= 1.5 and mine["rss_growth_mb"] <= 50
        ok = ok and good
        for label, figures in (("baseline", base), ("ours", mine)):
            print(f"  {label:<9}{figures['seconds']:>7.2f} s {figures['bytes'] / 1e6:>8.1f} MB"
                  f"  peak RSS +{figures['rss_growth_mb']:.1f} MB")
        print(f"  {kind}: ours/baseline {ratio:.2f}x, RSS +{mine['rss_growth_mb']:.1f} MB: "
              f"{'OK' if good else 'NG'} (goal: <= 1.5x, <= 50 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
