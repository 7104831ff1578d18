"""Benchmark: the shelf page through ``ktaishop serve`` against a bare Flask hello-world,
both under gunicorn with 2 workers, on the same machine in the same run.

* hello-world: a one-route Flask app returning a short text, gunicorn with 2 gthread
  workers of 4 threads (the worker type and threads ``ktaishop serve`` uses) and no
  access log - the most the stack can do here;
* the shelf page (``/shelf/<id>``) of the demo shop (``ktaishop init-db`` +
  ``ktaishop seed-demo``, SQLite in a temporary instance folder) through
  ``ktaishop serve --workers 2`` - access log, request ids and all - for (a) a
  smartphone (HTML5 face) and (b) a cookie-less docomo handset (Shift_JIS XHTML-MP,
  CSS inlined, the session key in the URL).

The load comes from wrk (Debian's ``wrk``: keep-alive connections on several threads);
where it is missing, from a load generator of this file's own (keep-alive
``http.client`` connections in several processes), which is said on the output. Each
case gets a warm-up, then ``--duration`` seconds of load; requests/s and the ratio to
hello-world are printed, with the machine's load average: the load generator shares the
CPUs with the servers, and other processes only ever take rate away.

Run: .venv/bin/python bench/http_throughput.py [--duration S] [--connections C]
Goal: shelf page >= 25% of hello-world's rate, for the smartphone and for docomo.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

GOAL = 0.25
WORKERS = 2
THREADS = 4
BIN = Path(sys.executable).parent
SMARTPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
DOCOMO = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"
HELLO_APP = '''from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {url}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- load ---------------------------------------------------------------------------------

def wrk_rate(url: str, agent: str, seconds: float, connections: int) -> tuple[float, int]:
    """(requests/s, responses that were not 2xx/3xx) measured by wrk."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "-H",
         f"User-Agent: {agent}", url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?(\d+)\s+timeout", out)
    return rate, (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)


def _hammer(url: str, agent: str, seconds: float, out: multiprocessing.Queue) -> None:
    """One keep-alive connection sending GETs back to back until time is up."""
    parts = urllib.request.urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    done = bad = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        connection.request("GET", parts.path or "/", headers={"User-Agent": agent})
        response = connection.getresponse()
        response.read()
        done += 1
        bad += response.status >= 400
    out.put((done, bad))


def python_rate(url: str, agent: str, seconds: float, connections: int) -> tuple[float, int]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_hammer, args=(url, agent, seconds, queue))
               for _ in range(connections)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def measure(url: str, agent: str, options: argparse.Namespace) -> tuple[float, int]:
    load = wrk_rate if shutil.which("wrk") else python_rate
    load(url, agent, options.warmup, options.connections)
    return load(url, agent, options.duration, options.connections)


# -- servers ------------------------------------------------------------------------------

def hello_server(folder: Path) -> tuple[subprocess.Popen, str]:
    (folder / "hello.py").write_text(HELLO_APP)
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--chdir", str(folder), "--workers", str(WORKERS),
         "--worker-class", "gthread", "--threads", str(THREADS), "--bind",
         f"127.0.0.1:{port}", "hello:app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url, process)
    return process, url


def shop_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """The demo shop in ``folder``, served by ``ktaishop serve --workers 2``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KTAISHOP_")}
    env.update(KTAISHOP_INSTANCE_PATH=str(folder), KTAISHOP_BASE_URL=f"http://127.0.0.1:{port}")
    for command in (["init-db"], ["seed-demo"]):
        subprocess.run([str(BIN / "ktaishop"), *command], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    with sqlite3.connect(folder / "ktaishop.db") as connection:
        shelf = connection.execute("SELECT min(id) FROM shelves").fetchone()[0]
    process = subprocess.Popen(
        [str(BIN / "ktaishop"), "serve", "--port", str(port), "--workers", str(WORKERS),
         "--threads", str(THREADS)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    return process, f"http://127.0.0.1:{port}/shelf/{shelf}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per case")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") else "this file's keep-alive load generator (no wrk)"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at start: {load} on {os.cpu_count()} CPUs")
    print(f"load: {tool}, {options.connections} connections, {options.duration:.0f} s a case;"
          f" servers: gunicorn {WORKERS} workers x {THREADS} threads (gthread)")
    rates: dict[str, float] = {}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, url = hello_server(folder)
        try:
            rates["hello"], bad = measure(url, SMARTPHONE, options)
            failures += bad
        finally:
            stop(process)
        process, url = shop_server(folder / "instance")
        try:
            for case, agent in (("smartphone", SMARTPHONE), ("docomo", DOCOMO)):
                rates[case], bad = measure(url, agent, options)
                failures += bad
        finally:
            stop(process)
    print(f"  hello-world (bare Flask)        : {rates['hello']:9.1f} req/s")
    ok = failures == 0
    for case, label in (("smartphone", "shelf page, smartphone"),
                        ("docomo", "shelf page, docomo (no cookies)")):
        ratio = rates[case] / rates["hello"]
        ok = ok and ratio >= GOAL
        print(f"  {label:<32}: {rates[case]:9.1f} req/s = {ratio:6.1%} of hello-world"
              f"  (goal >= {GOAL:.0%})")
    if failures:
        print(f"  errors: {failures} responses were not 2xx/3xx or timed out")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end: {load}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
