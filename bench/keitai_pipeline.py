"""Benchmark: the keitai output pipeline against a plain UTF-8 render of the same page.

Keitai path (docomo i-mode browser 1.0, no cookies — the most work the layer ever does):
render -> carrier_compat.pipeline.keitai_page, the function the Flask layer runs on every
keitai HTML response: one scan inlines the CSS and marks internal links and the result
is encoded to Shift_JIS with emoji, piece by piece between blank lines (a piece seen
before in the same context comes from a memo), then the session key and guid=ON are
joined into the bytes.
Plain path: render -> encode as UTF-8. Both render the same realistic product list
(30 products with url_for links, prices, emoji, a stylesheet, accesskey navigation and
a search form) inside a request context, in the same process and run.

Two cases are printed: every page different (no whole-page memo helps: a page with a
cart count or a CSRF token; what is remembered is per stylesheet, per distinct tag and
per piece of page between blank lines: here all pieces but the footer's recur)
and the same page again (a shelf many shoppers open; the styled, marked and encoded page
is remembered, only the key is joined in). The step lines time the pipeline's own steps
one by one on pages it has not seen. The machine's load average is printed too: other
processes only ever add time, and the ratio compares batches run moments apart.

Run: .venv/bin/python bench/keitai_pipeline.py [--rounds N]
Goal: keitai / plain <= 1.25.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from flask import Flask, render_template  # noqa: E402
from jinja2 import DictLoader  # noqa: E402

from carrier_compat import css_inline, urls  # noqa: E402
from carrier_compat.base import Carrier  # noqa: E402
from carrier_compat.css_match import apply_rules, apply_rules_encoded  # noqa: E402
from carrier_compat.css_rules import CompiledStylesheet  # noqa: E402
from carrier_compat.flask import KeitaiLayer, current_carrier  # noqa: E402
from carrier_compat.pipeline import Params, _encoder, keitai_page  # noqa: E402

DOCOMO_1 = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"
DOCOMO_2 = "DoCoMo/2.0 P07A3(c500;TB;W24H15)"
PC = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SESSION_KEY = "Yq3c9Xb1kV0Jg5hT7wR2mP8nL4sD6fA0zE1uC3iO5yB"

STYLESHEET = """
body { color: #333333; background-color: #ffffff; font-size: small; }
h1 { color: #ffffff; background-color: #cc0000; font-size: medium; text-align: center; }
h2 { color: #cc0000; font-size: small; border-bottom: 1px solid #cc0000; }
#header { text-align: center; }
#header a { color: #ffffff; }
#nav { background-color: #ffeeee; }
#nav a { color: #990000; }
div.item { border-bottom: 1px dotted #999999; }
div.item .name { font-weight: bold; color: #000066; }
.price { color: #cc0000; font-weight: bold; }
.soldout { color: #999999; }
.stock { color: #006600; font-size: x-small; }
.note { font-size: x-small; color: #666666; }
#footer { text-align: center; font-size: x-small; background-color: #eeeeee; }
#footer a { color: #333333; }
a:visited { color: #660066; }
"""

TEMPLATES = {
    "list.html": """<?xml version="1.0" encoding="{{ carrier.charset }}"?>
<!DOCTYPE html PUBLIC "-//WAPFORUM//DTD XHTML Mobile 1.0//EN" \
"http://www.wapforum.org/DTD/xhtml-mobile10.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="{{ carrier.content_type }}; \
charset={{ carrier.charset }}" />
<title>{{ shop }} 商品一覧</title>
<style type="text/css">{{ css }}</style>
</head>
<body>
<div id="header"><h1>{{ shop }}</h1><a href="{{ url_for('index') }}">トップ</a></div>
<div id="nav">{{ accesskey_link(url_for('index'), 'トップ', '0') }}
{{ accesskey_link(url_for('cart'), 'カート ☀', '9') }}</div>
<h2>{{ shelf }} ({{ products|length }}件)</h2>
<form action="{{ url_for('search') }}" method="get"><p>
<input type="text" name="q" size="12"{{ input_mode('hiragana') }} />
<input type="submit" value="検索" /></p></form>
{% for p in products %}
<div class="item">
<img src="{{ url_for('image', product_id=p.id, size='s') }}" alt="{{ p.name }}" width="48" \
height="48" /><br />
<a href="{{ url_for('product', product_id=p.id) }}"><span class="name">{{ p.name }}</span></a><br />
<span class="price">{{ "{:,}".format(p.price) }}円</span>(税込)
{% if p.stock > 0 %}<span class="stock">在庫あり ⭕</span>{% else %}\
<span class="soldout">品切れ ❌</span>{% endif %}<br />
<span class="note">{{ p.note }}</span>
</div>
{% endfor %}
<p><a href="{{ url_for('index', page=2) }}">次へ ➡</a></p>
<div id="footer"><a href="{{ url_for('help') }}">ご利用ガイド</a> | 閲覧{{ counter }}回目 |
<a href="http://example.com/partner">提携サイト</a><br />(c) {{ shop }}</div>
</body>
</html>
""",
}

NAMES = ["信州りんご", "温泉まんじゅう ♨", "手作りストラップ 📱", "抹茶ロールケーキ"]
PRODUCTS = [
    {
        "id": i,
        "name": f"{NAMES[i % 4]} {i}号",
        "price": 300 + i * 150,
        "stock": i % 5,
        "note": "～送料無料～ 本日発送 ❤" if i % 3 == 0 else "※お一人様3点まで",
    }
    for i in range(1, 31)
]


def make_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="bench", SERVER_NAME="shop.example.jp")
    app.jinja_loader = DictLoader(TEMPLATES)
    KeitaiLayer().init_app(app)
    for endpoint, rule in [
        ("index", "/"),
        ("cart", "/cart"),
        ("search", "/search"),
        ("help", "/help"),
        ("product", "/products/<int:product_id>"),
        ("image", "/images/<int:product_id>/<size>"),
    ]:
        app.add_url_rule(rule, endpoint, lambda **_: "")
    return app


_counter = itertools.count()


def render(*, fresh: bool = True) -> str:
    """The product list; *fresh* makes every page differ (a counter in the footer),
    as pages showing a cart or a CSRF token do, so no whole-page memo can answer."""
    return render_template(
        "list.html",
        shop="けいたい屋",
        shelf="新着",
        products=PRODUCTS,
        css=STYLESHEET,
        counter=next(_counter) if fresh else 0,
    )


BATCH = 20
STEPS = ("render", "take stylesheets", "style+mark+encode pieces", "join ksid/guid")
# For scale: the same work as one scan and one encode of the whole page, which is what
# the pipeline does for a page without blank lines or with a comment.
WHOLE = ("whole: style + mark", "whole: encode (SJIS)")


def _batch(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(BATCH):
        step()
    return (time.perf_counter() - start) / BATCH


def time_it(step: Callable[[], object], rounds: int) -> float:
    """Best seconds per call over *rounds* batches, after a warm-up.

    The best batch, not the mean: other processes on the machine only ever add time.
    """
    _batch(step)
    return min(_batch(step) for _ in range(rounds))


def compare(
    plain: Callable[[], object], keitai: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """Alternate batches of both paths; returns (best plain, best keitai, median ratio).

    Alternating keeps a busy machine from favouring one path: each ratio compares
    two batches run moments apart.
    """
    _batch(plain), _batch(keitai)
    pairs = [(_batch(plain), _batch(keitai)) for _ in range(rounds)]
    ratio = statistics.median(k / p for p, k in pairs)
    return min(p for p, _ in pairs), min(k for _, k in pairs), ratio


def measure(app: Flask, rounds: int, *, fresh: bool) -> dict[str, float]:
    """Both paths render the same page in the same (docomo c100) request context."""
    params = [("ksid", SESSION_KEY), ("guid", "ON")]
    with app.test_request_context("/", headers={"User-Agent": DOCOMO_1}):
        carrier = current_carrier()
        assert not carrier.supports_style_element and not carrier.supports_cookie

        def plain() -> bytes:
            return render(fresh=fresh).encode("utf-8")

        def keitai() -> bytes:
            return keitai_page(
                render(fresh=fresh),
                carrier,
                params,
                host="shop.example.jp",
                scheme="http",
                css_dir=None,
            )

        page = keitai()
        assert b"<style" not in page and b"ksid=" in page and b"\xf8\x9f" in page
        plain_time, keitai_time, ratio = compare(plain, keitai, rounds)
        steps = {"plain": plain_time, "keitai": keitai_time, "ratio": ratio}
        steps.update(_step_times(carrier, params, rounds, fresh=fresh))
    # For scale: the same pipeline for a handset that reads <style> (docomo i-mode
    # browser 2.0), i.e. without the CSS inlining; same parameters, same links.
    with app.test_request_context("/", headers={"User-Agent": DOCOMO_2}):
        styled_carrier = current_carrier()
        assert styled_carrier.supports_style_element

        def keitai_with_style() -> bytes:
            return keitai_page(
                render(fresh=fresh),
                styled_carrier,
                params,
                host="shop.example.jp",
                scheme="http",
                css_dir=None,
            )

        _, steps["keitai c500"], steps["ratio c500"] = compare(plain, keitai_with_style, rounds)
    return steps


def _step_times(carrier: Carrier, params: Params, rounds: int, *, fresh: bool) -> dict[str, float]:
    """The pipeline's steps one at a time (the calls keitai_page makes), each on input
    prepared by the step before. More distinct pages than the memos hold, so the
    "fresh" case stays cold."""
    count = 200 if fresh else 1
    marker = urls.link_marker(tuple(n for n, _ in params), "shop.example.jp", "http")
    texts = [render(fresh=fresh) for _ in range(count)]
    taken = [css_inline.take_stylesheets(t) for t in texts]
    marked = [apply_rules(h, sheet, marker, urls.LINK_TAGS) for h, sheet in taken if sheet]
    encoded = [carrier.encode(m) for m in marked]
    cycles = [itertools.cycle(x) for x in (texts, taken, marked, encoded, taken)]

    def style_and_mark(html: str, sheet: CompiledStylesheet | None) -> str:
        assert sheet is not None
        return apply_rules(html, sheet, marker, urls.LINK_TAGS, by_lines=False)

    def in_pieces(html: str, sheet: CompiledStylesheet | None) -> bytes | None:
        assert sheet is not None
        return apply_rules_encoded(html, sheet, marker, urls.LINK_TAGS, _encoder(carrier))

    return {
        "render": time_it(lambda: render(fresh=fresh), rounds),
        "take stylesheets": time_it(lambda: css_inline.take_stylesheets(next(cycles[0])), rounds),
        "style+mark+encode pieces": time_it(lambda: in_pieces(*next(cycles[4])), rounds),
        "join ksid/guid": time_it(
            lambda: urls.fill_marks(next(cycles[3]), params, carrier.codec), rounds
        ),
        "whole: style + mark": time_it(lambda: style_and_mark(*next(cycles[1])), rounds),
        "whole: encode (SJIS)": time_it(lambda: carrier.encode(next(cycles[2])), rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    app = make_app()
    with app.test_request_context("/", headers={"User-Agent": PC}):
        size = len(render().encode("utf-8"))
    print(f"product list: {len(PRODUCTS)} products, {size} bytes as UTF-8")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at start: {load} on {os.cpu_count()} CPUs")
    for label, fresh in (
        ("every page different (cold: nothing memoised for the page)", True),
        ("the same page again (a shelf many shoppers open)", False),
    ):
        steps = measure(app, args.rounds, fresh=fresh)
        print(f"\n[{label}]")
        print(f"  plain UTF-8 render + encode : {steps['plain'] * 1e6:8.1f} us")
        print(f"  keitai path (docomo c100)   : {steps['keitai'] * 1e6:8.1f} us")
        for name in STEPS:
            print(f"    step {name:<24}: {steps[name] * 1e6:8.1f} us")
        for name in WHOLE:
            print(f"    (scale) {name:<21}: {steps[name] * 1e6:8.1f} us")
        print(f"  ratio keitai / plain        : {steps['ratio']:8.2f}x  (goal <= 1.25x)")
        print(f"  for scale, docomo c500 path : {steps['keitai c500'] * 1e6:8.1f} us"
              f"  (keeps <style>: no inlining), ratio {steps['ratio c500']:.2f}x")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
