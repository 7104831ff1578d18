"""Mail throughput: a 10,000-member newsletter through ``ktaishop worker`` on PostgreSQL.

Compares, against the same local SMTP sink in the same run:
  raw       smtplib sending one prebuilt message 10,000 times over one connection
  1 worker  ``ktaishop worker`` sending the newsletter (build per carrier, claim, commit)
  2 workers two worker processes sharing the queue (FOR UPDATE SKIP LOCKED)
Targets: one worker >= 0.5x raw; two workers >= 1.8x one. The second needs CPUs to
spare: on a machine where one worker, the sink and PostgreSQL already keep B CPUs busy
out of N, two workers cannot pass about N/B times one; the run prints that bound.

The sink is a minimal SMTP responder with a process per connection, as Postfix's smtpd
(two workers sharing one responder measured the responder, not the workers); like
Postfix it offers PIPELINING (the worker uses it, smtplib does not).

Needs PostgreSQL: KTAISHOP_BENCH_DATABASE_URL or KTAISHOP_TEST_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); a fresh database is created next
to it and dropped afterwards.

    .venv/bin/python bench/mail_throughput.py [--recipients 10000] [--mail-profile legacy]

``--mail-profile`` is the 配信形式 of every carrier: ``standard`` (UTF-8, the shop's
default) or ``legacy`` (the carriers' 3G-era charsets and emoji codes).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# -- the sink ---------------------------------------------------------------------------

class _Sink:
    """What a fast MTA answers on one connection: every complete command that arrived
    is answered in one write (so pipelined commands get their replies together, as
    from Postfix)."""

    def __init__(self, counter) -> None:
        self.counter = counter
        self.buffer = b""
        self.in_data = False
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        replies = []
        while not self.done and (reply := self._next_reply()):
            replies.append(reply)
        return b"".join(replies)

    def _next_reply(self) -> bytes | None:
        if self.in_data:
            end = self.buffer.find(b"\r\n.\r\n")
            if end < 0:
                return None
            self.buffer, self.in_data = self.buffer[end + 5:], False
            with self.counter.get_lock():
                self.counter.value += 1
            return b"250 OK\r\n"
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return None
        verb, self.buffer = self.buffer[:4].upper(), self.buffer[end + 2:]
        if verb == b"DATA":
            self.in_data = True
            self.buffer = b"\r\n" + self.buffer  # the terminator's CRLF may open the body
            return b"354 go ahead\r\n"
        if verb == b"QUIT":
            self.done = True
            return b"221 bye\r\n"
        if verb == b"EHLO":
            return b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        return b"250 OK\r\n"


def _converse(conn: socket.socket, counter) -> None:
    sink = _Sink(counter)
    conn.sendall(b"220 sink ESMTP\r\n")
    while not sink.done and (data := conn.recv(1 << 16)):
        if replies := sink.feed(data):
            conn.sendall(replies)


def _reap(*_: object) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _serve(port: int, counter) -> None:
    """A process per connection, as Postfix's smtpd: no two senders share a responder."""
    signal.signal(signal.SIGCHLD, _reap)  # waited for, so their CPU time is counted
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            try:
                _converse(conn, counter)
            except OSError:
                pass  # a stopped worker hangs up mid-conversation
            finally:
                os._exit(0)
        conn.close()


def start_sink():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = multiprocessing.Value("q", 0)
    sink = multiprocessing.Process(target=_serve, args=(port, counter), daemon=True)
    sink.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return port, counter, sink


def _sink_cpu(sink_pid: int) -> float:
    """CPU seconds of the sink: its own, its finished connections' and its open ones'."""
    try:
        children = Path(f"/proc/{sink_pid}/task/{sink_pid}/children").read_text().split()
    except OSError:
        children = []
    return _cpu_seconds([sink_pid], finished_children=True) + _cpu_seconds(map(int, children))


# -- the three runs ---------------------------------------------------------------------

def raw_rate(port: int, count: int, mail_profile: str) -> float:
    from carrier_compat.mail import build_text_mail, smtp_bytes, smtp_envelope

    mail = build_text_mail(to="member@docomo.ne.jp", mail_from="shop@example.jp",
                           subject="セールのお知らせ", body="会員様\nセールです。\n" * 5,
                           mail_profile=mail_profile)
    sender, rcpts = smtp_envelope(mail)
    data = smtp_bytes(mail)
    client = smtplib.SMTP("127.0.0.1", port)
    start = time.perf_counter()
    for _ in range(count):
        client.sendmail(sender, rcpts, data)
    elapsed = time.perf_counter() - start
    client.quit()
    return count / elapsed


def prepare(url: str, count: int) -> None:
    """Fresh tables and ``count`` subscribed members spread over the carriers."""
    from tests.conftest import empty_tables

    engine = create_engine(url)
    empty_tables(engine)
    domains = ("docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "example.com")
    carriers = ("docomo", "au", "softbank", "pc")
    with engine.begin() as conn:
        conn.execute(insert(_member_table()), [
            dict(email=f"m{i:06d}@{domains[i % 4]}", name=f"会員{i}", carrier=carriers[i % 4],
                 kana="", tel="", zip_code="", address="", newsletter=True, status="active",
                 bounced=False, password_hash="", email_verified_at=datetime(2026, 1, 1))
            for i in range(count)])
    engine.dispose()


def _member_table():
    from models import Member

    return Member.__table__


def queue_newsletter(app, mail_profile: str) -> int:
    from ktaishop.extensions import db
    from ktaishop.mail import newsletter_mail
    from models import Newsletter, ShopSettings

    with app.app_context():
        settings = ShopSettings.load(db.session)
        settings.legacy_mail_carriers = "docomo,au,softbank" if mail_profile == "legacy" else ""
        newsletter = Newsletter(kind="text", subject="{{member_name}}様 セールのお知らせ",
                                mail_from="shop@example.jp",
                                body_text="{{member_name}}様\nセールです。\n" * 5)
        db.session.add(newsletter)
        db.session.commit()
        count = newsletter_mail.start(db.session, newsletter)
        db.session.commit()
        return count


def _cpu_seconds(pids: Iterable[int], finished_children: bool = False) -> float:
    """User + system CPU of ``pids`` so far, from /proc (0 for a pid that is gone), and
    of the children they waited for."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if finished_children:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / ticks


def _backend_pids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()")).scalars())


def workers_rate(app, url: str, port: int, workers: int, count: int, instance: Path,
                 sink_pid: int, received, mail_profile: str) -> tuple[float, dict[str, float]]:
    """Messages per second, and CPU microseconds per message of each party meanwhile.

    The end is when the sink has received them all (its shared counter, read without
    touching the database, so measuring adds no load to what is measured); then the
    outbox must show every row sent.
    """
    repo = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=path, KTAISHOP_DATABASE_URL=url,
               KTAISHOP_MAIL_URL=f"smtp://127.0.0.1:{port}",
               KTAISHOP_SECRET_KEY="bench", KTAISHOP_MAIL_RATE="0",
               KTAISHOP_INSTANCE_PATH=str(instance), KTAISHOP_SEND_MAIL_IN_PROCESS="0")
    command = [str(Path(sys.executable).parent / "ktaishop"), "worker", "--batch", "100",
               "--idle", "0.05"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    time.sleep(3.0)  # let them start and sit idle, polling
    try:
        queue_newsletter(app, mail_profile)
        engine = create_engine(url)
        backends = _backend_pids(engine)
        parties = {"workers": lambda: _cpu_seconds([p.pid for p in procs]),
                   "sink": lambda: _sink_cpu(sink_pid),
                   "postgres": lambda: _cpu_seconds(backends)}
        before = {name: cpu_now() for name, cpu_now in parties.items()}
        start, target = time.perf_counter(), received.value + count
        while received.value < target:
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        cpu = {name: (cpu_now() - before[name]) / count * 1e6
               for name, cpu_now in parties.items()}
        with engine.connect() as conn:
            while conn.execute(select(func.count()).select_from(text("outbox"))
                               .where(text("status = 'sent'"))).scalar() < count:
                conn.rollback()
                time.sleep(0.05)
        engine.dispose()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
    return count / elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--mail-profile", choices=("standard", "legacy"), default="standard")
    args = parser.parse_args()
    count = args.recipients
    from tests.conftest import create_pg_database, drop_pg_database

    base_url = (os.environ.get("KTAISHOP_BENCH_DATABASE_URL")
                or os.environ.get("KTAISHOP_TEST_DATABASE_URL") or DEFAULT_URL)
    try:
        url, name = create_pg_database(base_url, prefix="ktaishop_bench")
    except Exception as error:  # no PostgreSQL here: say so, don't fail `make bench`
        print(f"mail_throughput: skipped, PostgreSQL not reachable ({error.__class__.__name__})")
        return 0
    port, counter, sink = start_sink()
    try:
        return _run(url, port, counter, count, sink.pid, args.mail_profile)
    finally:
        sink.terminate()
        drop_pg_database(base_url, name)


def _run(url: str, port: int, counter, count: int, sink_pid: int, mail_profile: str) -> int:
    from ktaishop import create_app
    from ktaishop.migrate import upgrade

    upgrade(url)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                          "MAIL_URL": "file:///dev/null"})
        load_before = os.getloadavg()
        raw = raw_rate(port, count, mail_profile)
        prepare(url, count)
        one, cpu_one = workers_rate(app, url, port, 1, count, Path(instance), sink_pid, counter,
                                    mail_profile)
        prepare(url, count)
        two, cpu_two = workers_rate(app, url, port, 2, count, Path(instance), sink_pid, counter,
                                    mail_profile)
        with app.app_context():
            from ktaishop.extensions import db

            db.engine.dispose()
    print(f"mail_throughput: {count:,} recipients, PostgreSQL, {os.cpu_count()} CPUs, "
          f"sink received {counter.value:,} messages, mail profile {mail_profile}")
    print(f"  raw smtplib, one prebuilt message: {raw:8.0f} msg/s")
    print(f"  ktaishop worker x1:                {one:8.0f} msg/s  "
          f"({one / raw:.2f}x raw, target >= 0.5)")
    print(f"  ktaishop worker x2:                {two:8.0f} msg/s  ({two / one:.2f}x one worker, "
          "target >= 1.8)")
    for label, cpu in (("x1", cpu_one), ("x2", cpu_two)):
        print(f"  CPU per message, {label}: " + ", ".join(
            f"{name} {value:.0f} us" for name, value in cpu.items()))
    busy = one * sum(cpu_one.values()) / 1e6  # CPUs the one-worker run kept busy
    print(f"  one worker's run kept {busy:.2f} of {os.cpu_count()} CPUs busy (worker, sink, "
          f"PostgreSQL): two workers can reach about {os.cpu_count() / busy:.2f}x one here")
    load_after = os.getloadavg()
    print(f"  load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          "- other work on these CPUs lowers the worker figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
