"""Benchmark: a 100,000-row product CSV (商品CSV 一括登録) through the admin's own screen.

Issue #19 found the import ran as one 33-second request that grew the server to 670 MB.
It is now streamed (``admin.catalog.product_import``): two passes over the spooled
upload, a few hundred products at a time. Each run below is a fresh child process that
logs in to the admin and posts the file, as a browser would; its peak RSS growth is the
highest RSS sampled during the request minus the RSS just before it.

* new: 100,000 products that do not exist yet (created);
* again: the same file once more (every product updated, stock left as exported).

SQLite always (a temporary file); PostgreSQL too when ``--database-url`` or
``KTAISHOP_TEST_DATABASE_URL`` names one.

Run: .venv/bin/python bench/product_csv.py [--rows N] [--database-url URL]
Goal: peak RSS growth <= 100 MB for 100,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from order_csv import PeakRss, rss_mb  # noqa: E402
from order_search import database  # noqa: E402

HEADER = ("コード,商品名,販売価格,優先度,商品説明,在庫表示,公開,商品陳列棚,オプション,在庫数,"
          "税率,販売期限\r\n")
GOAL_MB = 100


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="cp932", newline="") as out:
        out.write(HEADER)
        for n in range(rows):
            price = 1000 + n % 5000
            out.write(f"b{n:07d},ベンチ商品 {n},{price},0,説明文 {n},表示する,公開,,,10,10,\r\n")


def child(url: str, path: str) -> None:
    """Log in and post the file twice in this process; print the figures as JSON."""
    from ktaishop import create_app
    from ktaishop.extensions import db
    from models import AdminUser
    from tests.conftest import csrf_token_from

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "MAIL_URL": f"file://{tempfile.mkdtemp()}", "SERVER_NAME": None})
    with app.app_context():
        admin = AdminUser(login="bench")
        admin.set_password("bench-password-1")
        db.session.add(admin)
        db.session.commit()
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    client.post("/admin/login", data={"login": "bench", "password": "bench-password-1",
                                      "csrf_token": csrf_token_from(page)})
    figures = {}
    for run in ("new", "again"):
        token = csrf_token_from(client.get("/admin/products/csv").get_data(as_text=True))
        before = rss_mb()
        sampler = PeakRss()
        sampler.start()
        start = time.perf_counter()
        with open(path, "rb") as upload:
            response = client.post("/admin/products/csv/import", content_type="multipart/form-data",
                                   data={"csrf_token": token, "file": (upload, "products.csv")})
        seconds = time.perf_counter() - start
        sampler.running = False
        sampler.join()
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        figures[run] = {"seconds": seconds, "rss_growth_mb": max(sampler.peak, rss_mb()) - before}
    print(json.dumps(figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("KTAISHOP_TEST_DATABASE_URL"))
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child_url:
        child(options.child_url, options.child_file)
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "products.csv"
        write_file(path, options.rows)
        print(f"file: {options.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB (CP932)")
        for kind in ["sqlite"] + (["postgresql"] if options.database_url else []):
            with database(kind, options.database_url) as url:
                out = subprocess.run([sys.executable, __file__, "--child-url", url,
                                      "--child-file", str(path)],
                                     check=True, capture_output=True, text=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            for run, values in figures.items():
                good = values["rss_growth_mb"] <= GOAL_MB
                ok = ok and good
                print(f"  {kind:<10} {run:<6} {values['seconds']:>6.1f} s  peak RSS "
                      f"+{values['rss_growth_mb']:.1f} MB  {'OK' if good else 'NG'} "
                      f"(goal: <= {GOAL_MB} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
