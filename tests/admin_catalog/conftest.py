"""Helpers for the 商品情報 / 陳列棚 / 顧客 / 設定 tests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from models import Shelf
from tests.conftest import csrf_token_from


def form_token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def product_data(token: str, **overrides):
    """A 新規登録 post: サイズ S/M × カラー 白/黒 with stock per combination."""
    data = {
        "csrf_token": token, "code": "tee001", "name": "星柄Tシャツ", "price": "2,500",
        "priority": "10", "description": "綿100%のTシャツです。", "stock_display": "show",
        "published": "y", "axis-0-name": "サイズ", "axis-0-values": "S,M",
        "axis-1-name": "カラー", "axis-1-values": "白,黒", "save": "1",
    }
    combos = ["サイズ:S カラー:白", "サイズ:S カラー:黒",
              "サイズ:M カラー:白", "サイズ:M カラー:黒"]
    for k, (combo, stock) in enumerate(zip(combos, ("5", "0", "12", "3"), strict=True)):
        data |= {f"combo-{k}": combo, f"stock-{k}": stock, f"stock-{k}-was": ""}
    data.update(overrides)
    return data


def upload(content: bytes, filename: str):
    return (io.BytesIO(content), filename)


@pytest.fixture
def shelves(db):
    """Three shelves, made in the test's own session (the one requests share)."""
    made = [Shelf(name="Tシャツ", position=1), Shelf(name="セール", position=2),
            Shelf(name="新着", position=3)]
    db.add_all(made)
    db.commit()
    return [s.id for s in made]


def image_files(app) -> list[Path]:
    """Every file under IMAGE_DIR (thumbnails and caches included)."""
    root = Path(app.config["IMAGE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
