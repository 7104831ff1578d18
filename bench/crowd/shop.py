"""The shop under the surge: a fresh PostgreSQL database, ``ktaishop serve``, two mail
workers, and the SMTP sink they send to (aiosmtpd, in the bench's process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models import Order, OrderItem, OrderStatus, OutboxMessage, OutboxStatus, Product, Variant

KTAISHOP = Path(sys.executable).parent / "ktaishop"
PLENTY = 100_000  # units of every product: nobody is turned away but by the scarce one
SCARCE_CODE = "goods000012"  # the demo's low-stock product
SCARCE_STOCK = 5
GUEST_SUBJECT = "【要確認】ご注文を確定してください"  # the demo's mail templates
ORDER_SUBJECT = "商品を受注しました。"
MAIL_RATE = "500"  # messages a second per worker: the sink is local
BOOT_SECONDS = 60
SURGE_PREFIX = "surge"  # every surge shopper's mail address starts so (the demo's do not)


@dataclass
class Shop:
    url: str
    database_url: str
    scarce_product_id: int
    scarce_stock: int
    guest_subject: str = GUEST_SUBJECT
    order_subject: str = ORDER_SUBJECT


# -- the mail sink -----------------------------------------------------------------------

class MailSink:
    """Every message the workers send, by recipient; waits for one to arrive."""

    def __init__(self) -> None:
        self.port = free_port()
        self._messages: list[tuple[str, EmailMessage]] = []
        self._arrived = threading.Condition()
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            for rcpt in envelope.rcpt_tos:
                self._messages.append((rcpt.lower(), message))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, address: str, subject: str, timeout: float = 120.0) -> EmailMessage:
        """The first message to ``address`` with ``subject``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for rcpt, message in self._messages:
                    if rcpt == address.lower() and message["Subject"] == subject:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail {subject!r} to {address} in {timeout:g} s")
                self._arrived.wait(left)

    def per_address(self, subject: str) -> Counter[str]:
        with self._arrived:
            return Counter(rcpt for rcpt, m in self._messages if m["Subject"] == subject)

    def wait_quiet(self, shop: Shop, timeout: float = 120.0) -> None:
        """Until the outbox holds nothing left to send (every queued mail sent)."""
        engine = create_engine(shop.database_url)
        deadline = time.monotonic() + timeout
        waiting = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
        try:
            with Session(engine) as session:
                while time.monotonic() < deadline:
                    left = session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.status.in_(waiting)))
                    session.rollback()
                    if not left:
                        time.sleep(0.5)  # the last one's delivery
                        return
                    time.sleep(0.2)
        finally:
            engine.dispose()


# -- the shop ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database(url: str) -> None:
    """Drop and create the database ``url`` names (on the same server)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def shop_env(database_url: str, folder: Path, mail_port: int, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KTAISHOP_")}
    env.update({
        "KTAISHOP_DATABASE_URL": database_url,
        "KTAISHOP_INSTANCE_PATH": str(folder),
        "KTAISHOP_IMAGE_DIR": str(folder / "images"),
        "KTAISHOP_MAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "KTAISHOP_MAIL_RATE": MAIL_RATE,
        "KTAISHOP_SECRET_KEY": "surge-bench-secret",
        "KTAISHOP_BASE_URL": f"http://127.0.0.1:{port}",
    })
    return env


def seed(env: dict[str, str], database_url: str, scarce_stock: int) -> int:
    """``ktaishop init-db`` and ``seed-demo``; stock for all but the scarce product, whose
    first option gets ``scarce_stock`` units and the others none. Returns its id."""
    for command in (["init-db"], ["seed-demo"]):
        subprocess.run([str(KTAISHOP), *command], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    engine = create_engine(database_url)
    with Session(engine) as session:
        scarce = session.scalar(select(Product).where(Product.code == SCARCE_CODE))
        session.execute(update(Variant).values(stock=PLENTY))
        session.execute(update(Variant).where(Variant.product_id == scarce.id).values(stock=0))
        session.execute(update(Variant).where(Variant.id == scarce.variants[0].id)
                        .values(stock=scarce_stock))
        session.commit()
        scarce_id = scarce.id
    engine.dispose()
    return scarce_id


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([str(KTAISHOP), *command], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, timeout: float = 40.0) -> int:
    """TERM (a graceful stop), KILL if it takes longer than ``timeout``; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(5)


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Return once ``url``'s ``/healthz`` answers 200 (RuntimeError with the log if the
    process exits or does not answer within ``BOOT_SECONDS``)."""
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ktaishop serve exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:  # not listening yet, or still starting its workers
            time.sleep(0.1)
    raise RuntimeError(f"ktaishop serve did not answer:\n{log.read_text(errors='replace')}")


@contextmanager
def running_shop(database_url: str, *, workers: int = 2, threads: int = 4,
                 scarce_stock: int = SCARCE_STOCK, drop_after: bool = False
                 ) -> Iterator[tuple[Shop, MailSink]]:
    """A seeded shop served by ``ktaishop serve`` with two mail workers, and its sink."""
    fresh_database(database_url)
    with ExitStack() as stack:
        if drop_after:
            stack.callback(drop_database, database_url)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="surge-")))
        sink = MailSink()
        sink.start()
        stack.callback(sink.stop)
        port = free_port()
        env = shop_env(database_url, folder, sink.port, port)
        scarce_id = seed(env, database_url, scarce_stock)
        url = f"http://127.0.0.1:{port}"
        log = folder / "serve.log"
        server = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                        str(workers), "--threads", str(threads)], env, log)
        stack.callback(stop, server)
        for n in range(2):
            stack.callback(stop, start(["worker"], env, folder / f"worker{n}.log"))
        wait_healthy(url, server, log)
        yield Shop(url, database_url, scarce_id, scarce_stock), sink


# -- what the database says afterwards ---------------------------------------------------

@dataclass
class StockCheck:
    lowest: int
    scarce_ordered: int
    scarce_left: int
    orders: int
    completed: int
    problems: list[str] = field(default_factory=list)

    def failures(self, placed: int, confirmed: int, scarce_stock: int) -> list[str]:
        found = list(self.problems)
        if self.lowest < 0:
            found.append(f"stock below zero: {self.lowest}")
        if self.scarce_ordered > scarce_stock:
            found.append(f"oversold: {self.scarce_ordered} ordered of {scarce_stock}")
        if self.scarce_ordered + self.scarce_left != scarce_stock:
            found.append(f"scarce stock does not add up: {self.scarce_ordered} ordered, "
                         f"{self.scarce_left} left of {scarce_stock}")
        if self.orders != placed:
            found.append(f"{self.orders} orders in the database, {placed} placed by shoppers")
        if self.completed != confirmed:
            found.append(f"{self.completed} orders 注文完了, {confirmed} confirmed by shoppers")
        return found


def check_database(shop: Shop) -> StockCheck:
    engine = create_engine(shop.database_url)
    try:
        with Session(engine) as session:
            lowest = session.scalar(select(func.min(Variant.stock))) or 0
            ordered = session.scalar(
                select(func.coalesce(func.sum(OrderItem.quantity), 0))
                .join(Order, Order.id == OrderItem.order_id)
                .where(OrderItem.product_id == shop.scarce_product_id,
                       Order.purchaser_email.like(f"{SURGE_PREFIX}%"),
                       OrderItem.cancelled.is_(False), Order.status != OrderStatus.CANCELLED))
            left = session.scalar(select(func.sum(Variant.stock))
                                  .where(Variant.product_id == shop.scarce_product_id))
            # The demo's own orders (seed-demo) are not the surge's.
            surge_orders = select(func.count()).select_from(Order).where(
                Order.purchaser_email.like(f"{SURGE_PREFIX}%"))
            orders = session.scalar(surge_orders)
            completed = session.scalar(surge_orders.where(
                Order.status == OrderStatus.COMPLETED))
    finally:
        engine.dispose()
    return StockCheck(lowest, ordered, left or 0, orders or 0, completed or 0)
