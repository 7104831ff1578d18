"""Fixtures of the 配送 tests: uploads kept in the test's own folder, a logged-in demo shop."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from models import Order, OrderStatus, Package
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def shop(demo_shop, admin_client):
    """The demo shop, and a client logged in to its admin."""
    return admin_client


def upload(client, data: bytes, filename: str = "result.csv"):
    page = client.get("/admin/delivery").get_data(as_text=True)
    return client.post("/admin/delivery/upload", data={
        "csrf_token": csrf_token_from(page), "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def confirm(client, preview_html: str, button: str = "confirm"):
    fields = dict(re.findall(r'name="(token|fingerprint)" type="hidden" value="([^"]*)"',
                             preview_html))
    if len(fields) < 2:
        fields = {name: value for value, name in re.findall(
            r'value="([^"]*)"[^>]*name="(token|fingerprint)"', preview_html)}
    assert fields.get("token"), "no 確定 form on the preview"
    return client.post("/admin/delivery/upload/confirm", data={
        "csrf_token": csrf_token_from(preview_html), **fields, button: "1",
    })


def snapshot(db) -> list[tuple]:
    """Everything an upload may change: every package's slip and every order's status."""
    db.expire_all()
    rows = db.execute(
        select(Order.order_no, Order.status, Package.status, Package.delivery_no,
               Package.delivery_date, Package.shop_code, Package.shop_name, Package.shop_tel,
               Package.shop_memo).join(Order.package).order_by(Order.order_no)
    ).all()
    db.rollback()
    return [tuple(row) for row in rows]


def orders_in(db, status: OrderStatus, *, by_download: bool | None = None) -> list[Order]:
    query = select(Order).where(Order.status == status).order_by(Order.id)
    if by_download is not None:
        query = query.where(Order.instructed_by_download.is_(by_download))
    found = list(db.scalars(query))
    return found


def waiting_instructed(db) -> list[Order]:
    """The demo's 出荷指示 orders whose package is still 出荷待ち."""
    return [o for o in orders_in(db, OrderStatus.INSTRUCTED) if o.package.status == "waiting"]
