"""The minute after a メルマガ: a few thousand shoppers at once, on PostgreSQL, for real.

A demo shop is seeded (``ktaishop init-db``, ``ktaishop seed-demo``) with stock enough for
everyone except one product kept scarce, then served by ``ktaishop serve`` with two
``ktaishop worker`` processes sending mail to an SMTP sink in this process (aiosmtpd).
Shoppers arrive at random moments within ``--seconds``: each opens the top page, a
shelf and a product and puts it in the cart; a share of them (``--checkout``) buys as a
guest (注文者情報 → 配送・決済 → 最終確認 → 注文する), waits for the confirmation mail
and opens its link (注文を確定する). Half are cookie-less docomo handsets (the session
key in every URL, Shift_JIS forms), half smartphones with cookies; some buyers go for
the scarce product. Plain ``urllib`` in a thread pool: no HTTP client of our own.

Printed: latency per step (p50/p95/p99), errors (must be 0), orders placed and the
confirmation and 受注確認 mails per address (each exactly once), stock (never negative,
the scarce product never sold beyond its stock) and the load average. Exits non-zero if
a check fails.

    .venv/bin/python bench/surge.py [--shoppers 3000] [--seconds 60] [--checkout 0.1]

Database: ``KTAISHOP_SURGE_DATABASE_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/ktaishop_surge), dropped and created
afresh. tests/bench/test_surge.py runs a small surge with these functions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crowd.shop import MailSink, Shop, check_database, running_shop  # noqa: E402
from bench.crowd.shopper import Outcome, shop_visit  # noqa: E402

SCARCE_SHARE = 0.3  # of the buyers, those who came for the scarce product (the mail's link)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ktaishop_surge"
STEPS = ("top", "shelf", "product", "cart_add", "checkout", "place", "confirm_link")


@dataclass
class Surge:
    """What the shoppers did: latencies per step, errors, orders and their addresses."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)  # addresses of orders placed
    confirmed: list[str] = field(default_factory=list)
    sold_out: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            for step, seconds in outcome.timings:
                self.latencies[step].append(seconds)
            self.errors.extend(outcome.errors)
            if outcome.placed:
                self.placed.append(outcome.email)
            if outcome.confirmed:
                self.confirmed.append(outcome.email)
            self.sold_out += outcome.sold_out


def run_surge(shop: Shop, sink: MailSink, *, shoppers: int, seconds: float,
              checkout_share: float, concurrency: int, scarce_share: float = SCARCE_SHARE,
              seed: int = 17) -> Surge:
    """Send ``shoppers`` shoppers at ``shop`` arriving within ``seconds``; returns when all
    are done (buyers included: their confirmation mail read and its link opened)."""
    surge = Surge()
    rng = random.Random(seed)
    arrivals = sorted(rng.uniform(0, seconds) for _ in range(shoppers))
    plans = [(n, rng.random() < checkout_share, rng.random() < 0.5, rng.random())
             for n in range(shoppers)]
    scarce = {n for n, buys, _, _ in plans if buys and rng.random() < scarce_share}
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        for at, (n, buys, docomo, pick) in zip(arrivals, plans, strict=True):
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(_visit, shop, sink, surge, n, buys, docomo, pick,
                                       n in scarce))
        for future in futures:
            future.result()
    return surge


def _visit(shop: Shop, sink: MailSink, surge: Surge, n: int, buys: bool, docomo: bool,
           pick: float, scarce: bool) -> None:
    try:
        outcome = shop_visit(shop, sink, n, buys=buys, docomo=docomo, pick=pick,
                             scarce=scarce)
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
        outcome = Outcome(email="", errors=[f"shopper {n}: {type(error).__name__}: {error}"])
    surge.record(outcome)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(surge: Surge, sink: MailSink, shop: Shop, *, elapsed: float,
           load_before: tuple[float, float, float]) -> list[str]:
    """Print the figures; return the failed checks (empty: all good)."""
    print(f"{'step':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for step in STEPS:
        values = surge.latencies.get(step, [])
        if values:
            print(f"{step:<14}{len(values):>9}{statistics.median(values) * 1000:>9.1f}"
                  f"{percentile(values, 0.95) * 1000:>9.1f}"
                  f"{percentile(values, 0.99) * 1000:>9.1f}")
    requests = sum(len(v) for v in surge.latencies.values())
    print(f"requests {requests} in {elapsed:.1f} s ({requests / elapsed:.0f}/s)")
    print(f"errors {len(surge.errors)}")
    failures = [f"{len(surge.errors)} errors: {surge.errors[:5]}"] if surge.errors else []
    guest, received = sink.per_address(shop.guest_subject), sink.per_address(shop.order_subject)
    twice = [a for counts in (guest, received) for a, count in counts.items() if count > 1]
    missing = [a for a in surge.placed if guest[a] != 1]
    unconfirmed = [a for a in surge.confirmed if received[a] != 1]
    print(f"orders placed {len(surge.placed)}, confirmation mails {sum(guest.values())}; "
          f"confirmed {len(surge.confirmed)}, 受注確認 mails {sum(received.values())}; "
          f"sold out on arrival {surge.sold_out}")
    if twice:
        failures.append(f"{len(twice)} addresses got a mail twice: {twice[:3]}")
    if missing or len(guest) != len(surge.placed):
        failures.append(f"confirmation mails do not match the orders placed: {missing[:3]}")
    if unconfirmed or len(received) != len(surge.confirmed):
        failures.append(f"受注確認 mails do not match the confirmed orders: {unconfirmed[:3]}")
    stock = check_database(shop)
    print(f"stock: lowest {stock.lowest}, scarce product {stock.scarce_ordered} ordered "
          f"of {shop.scarce_stock}, {stock.scarce_left} left; orders in the database "
          f"{stock.orders} ({stock.completed} 注文完了)")
    failures += stock.failures(len(surge.placed), len(surge.confirmed), shop.scarce_stock)
    after = os.getloadavg()
    print("load average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f} "
          "({} CPUs)".format(*load_before, *after, os.cpu_count()))
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--checkout", type=float, default=0.1, help="share that buys")
    parser.add_argument("--concurrency", type=int, default=64, help="shoppers at once")
    parser.add_argument("--workers", type=int, default=2, help="ktaishop serve --workers")
    parser.add_argument("--threads", type=int, default=4, help="ktaishop serve --threads")
    args = parser.parse_args(argv)
    url = os.environ.get("KTAISHOP_SURGE_DATABASE_URL", DEFAULT_URL)
    load_before = os.getloadavg()
    with running_shop(url, workers=args.workers, threads=args.threads) as (shop, sink):
        print(f"{args.shoppers} shoppers within {args.seconds:g} s, {args.checkout:.0%} buying; "
              f"ktaishop serve --workers {args.workers} --threads {args.threads}, 2 mail "
              f"workers, PostgreSQL")
        started = time.monotonic()
        surge = run_surge(shop, sink, shoppers=args.shoppers, seconds=args.seconds,
                          checkout_share=args.checkout, concurrency=args.concurrency)
        elapsed = time.monotonic() - started
        sink.wait_quiet(shop)
        failures = report(surge, sink, shop, elapsed=elapsed, load_before=load_before)
    for failure in failures:
        print(f"FAILED: {failure}")
    print("OK" if not failures else "FAILED")
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main())
