"""Fixtures for the web-edge tests: a tiny Flask shop built on KeitaiLayer, not the real app.

Fixture names (web_app, web_client, session_store, clock) differ from the root
conftest's app/client so the other carrier_compat tests still get the real ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, jsonify, redirect, render_template, request, session, url_for
from flask.testing import FlaskClient
from jinja2 import DictLoader

from carrier_compat.flask import KeitaiLayer, regenerate_session
from carrier_compat.session import MemorySessionStore

UA_DOCOMO_1 = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"
UA_DOCOMO_1_OTHER_MODEL = "DoCoMo/2.0 N902i(c100;TB;W24H12)"
UA_DOCOMO_2 = "DoCoMo/2.0 P07A3(c500;TB;W24H15)"
UA_AU = "KDDI-SN3F UP.Browser/6.2.0.13.2 (GUI) MMP/2.0"
UA_SOFTBANK = (
    "SoftBank/1.0/910T/TJ001/SN123456789012345 Browser/NetFront/3.3 "
    "Profile/MIDP-2.0 Configuration/CLDC-1.1"
)
UA_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
UA_PC = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

SHOP_CSS = """
body { color: #333333; }
.price { color: #cc0000; font-weight: bold; }
#nav a { color: #0000ff; }
div.item .name { font-size: small; }
a:hover { color: #ff0000; }
"""

TEMPLATES = {
    "layout.html": """<?xml version="1.0" encoding="{{ carrier.charset }}"?>
<!DOCTYPE html PUBLIC "-//WAPFORUM//DTD XHTML Mobile 1.0//EN" \
"http://www.wapforum.org/DTD/xhtml-mobile10.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="{{ carrier.content_type }}; \
charset={{ carrier.charset }}" />
<title>{% block title %}テスト店{% endblock %}</title>
<style type="text/css">{{ css }}{% if nonce %}/* {{ nonce }} */{% endif %}</style>
</head>
<body>
<div id="nav">{{ accesskey_link(url_for('index'), 'トップ', '0') }}</div>
{% block body %}{% endblock %}
</body>
</html>
""",
    "index.html": """{% extends "layout.html" %}{% block body %}
<h1>商品一覧 ☀</h1>
{% for p in products %}<div class="item"><span class="name">{{ p.name }}</span>
<span class="price">{{ p.price }}円</span>
<a href="{{ url_for('item', item_id=p.id) }}">詳細</a></div>
{% endfor %}
<p><a href="http://localhost/item/2">同じホスト</a>
<a href="http://example.com/">外のお店</a> <a href="//evil.example/x">外2</a>
<a href="https://localhost.evil.example/">外3</a> <a href="mailto:shop@example.com">メール</a></p>
<form action="{{ url_for('search') }}" method="get">
<p><input type="text" name="q"{{ input_mode('hiragana') }} />
<input type="submit" value="検索" /></p>
</form>
<form action="{{ url_for('echo') }}" method="post">
<p><input type="text" name="name"{{ input_mode('katakana') }} />
<input type="submit" value="送信" /></p>
</form>
<form action="http://example.com/search" method="get"><p><input type="text" name="q" /></p></form>
{% endblock %}""",
    "cart.html": """{% extends "layout.html" %}{% block body %}
<p>カート: {{ cart|join(', ') }}</p>
<p><a href="{{ url_for('index') }}">戻る</a> <a href="http://example.com/">外へ</a></p>
{% endblock %}""",
}

PRODUCTS = [
    {"id": 1, "name": "りんご ❤", "price": 300},
    {"id": 2, "name": "温泉まんじゅう ♨", "price": 800},
    {"id": 3, "name": "携帯ストラップ 📱", "price": 500},
]


class Clock:
    """A settable clock for the session store and interface (UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def _register_routes(web_app: Flask) -> None:
    @web_app.get("/")
    def index() -> str:
        nonce = request.args.get("nonce")
        return render_template("index.html", products=PRODUCTS, css=SHOP_CSS, nonce=nonce)

    @web_app.get("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return render_template("cart.html", cart=[str(item_id)], css=SHOP_CSS)

    @web_app.get("/search")
    def search() -> Any:
        return jsonify(q=request.args.get("q"))

    @web_app.post("/echo")
    def echo() -> Any:
        return jsonify(form=request.form.to_dict(), args=request.args.to_dict())

    @web_app.post("/cart")
    def add_to_cart() -> Any:
        session["cart"] = [*session.get("cart", []), request.form.get("item", "?")]
        return redirect(url_for("cart"))

    @web_app.get("/cart")
    def cart() -> str:
        return render_template("cart.html", cart=session.get("cart", []), css=SHOP_CSS)

    @web_app.post("/login")
    def login() -> Any:
        regenerate_session()
        session["user"] = request.form["user"]
        return redirect(url_for("account"))

    @web_app.get("/account")
    def account() -> Any:
        return jsonify(user=session.get("user"))

    @web_app.get("/leave")
    def leave() -> Any:
        return redirect("http://example.com/bye")


def make_app(session_store: MemorySessionStore, clock: Clock, **config: Any) -> Flask:
    """A small shop-like app with KeitaiLayer bound the way the real factory binds it."""
    web_app = Flask(__name__)
    web_app.config.update(SECRET_KEY="test-secret", TESTING=True, SERVER_NAME="localhost")
    web_app.config.update(config)
    web_app.jinja_loader = DictLoader(TEMPLATES)
    KeitaiLayer().init_app(web_app, session_store=session_store)
    web_app.session_interface.clock = clock  # type: ignore[attr-defined]
    _register_routes(web_app)
    return web_app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session_store(clock: Clock) -> MemorySessionStore:
    return MemorySessionStore(clock=clock)


@pytest.fixture
def web_app(session_store: MemorySessionStore, clock: Clock) -> Flask:
    return make_app(session_store, clock)


@pytest.fixture
def web_client(web_app: Flask) -> FlaskClient:
    return web_app.test_client()
