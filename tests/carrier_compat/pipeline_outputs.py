"""Record every output of the keitai pipeline over the shop's real pages; compare two records.

For a change to carrier_compat's output pipeline that must not change a byte (see
carrier_compat/README.md, "Changing a regex (or the scan, or a memo key) safely")::

    .venv/bin/python -m tests.carrier_compat.pipeline_outputs /tmp/keitai before
    # ... change the code ...
    .venv/bin/python -m tests.carrier_compat.pipeline_outputs /tmp/keitai after

The first run walks the shop as a docomo i-mode 1.0 handset (tests/carrier_compat/
shop_pages.py, on a temporary SQLite database) and keeps the rendered pages in
DIR/pages.json, so both runs read the same pages (a page holds a fresh CSRF token each
time it is rendered). Each run feeds them, and variants that take the pipeline's other
paths (a competing stylesheet, no blank lines, a comment, a mark character), through
every entry point - ``keitai_page`` for four handsets and three sets of parameters,
``apply_rules`` whole and piece by piece, ``apply_rules_encoded``, ``inline_css`` -
three rounds in a fixed order, so the memos fill the same way in both runs, and writes
DIR/NAME.json. A run named other than ``before`` compares itself with DIR/before.json.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from carrier_compat import css_inline, urls
from carrier_compat.css_match import apply_rules, apply_rules_encoded
from carrier_compat.detection import detect
from carrier_compat.pipeline import _encoder, keitai_page
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_DOCOMO_2, UA_SOFTBANK
from tests.carrier_compat.test_web_inline_plain import COMPETING_CSS, OWN_STYLE

PARAMS = ([("ksid", "k" * 43), ("guid", "ON")], [("guid", "ON")], [])
ROUNDS = 3  # first sight, second sight (admitted to the memos), from the memos


def shop_pages(directory: Path) -> list[str]:
    """The rendered pages of DIR/pages.json, walking the shop first if there are none."""
    stored = directory / "pages.json"
    if not stored.exists():
        stored.write_text(json.dumps(_walk()), encoding="utf-8")
    return json.loads(stored.read_text(encoding="utf-8"))


def _walk() -> list[str]:
    from ktaishop import create_app
    from ktaishop.extensions import db
    from ktaishop.migrate import upgrade
    from tests.carrier_compat.shop_pages import walk_the_shop
    from tests.conftest import empty_tables

    work = Path(tempfile.mkdtemp(prefix="keitai-pages-"))
    url = f"sqlite:///{work / 'shop.db'}"
    upgrade(url)
    app = create_app({
        "TESTING": True, "DATABASE_URL": url, "MAIL_URL": f"file://{work / 'mail'}",
        "IMAGE_DIR": str(work / "images"), "SECRET_KEY": "pipeline-outputs",
        "BASE_URL": "http://127.0.0.1:5000", "SERVER_NAME": None,
    })
    with app.app_context():
        empty_tables(db.engine)
    return [page.rendered for page in walk_the_shop(app, UA_DOCOMO_1)]


def variants(pages: list[str]) -> list[str]:
    """The pages, and a few of them changed to take the pipeline's other paths."""
    out = list(pages)
    for page in pages[::3]:
        out.append(page.replace("</head>", f"<style>{COMPETING_CSS}</style></head>")
                   .replace("<h1>", OWN_STYLE))
        out.append(page.replace("\n\n", "\n"))  # one scan of the whole page
        out.append(page.replace("<hr />", '<!-- <a href="/c">\n\n</a> -->\n\n<hr />'))
        out.append(page.replace("</body>", "<p>\x01</p></body>"))  # the step-by-step path
    return out


def outputs(pages: list[str]) -> Iterator[bytes]:
    """Every entry point's output for every page, in a fixed order."""
    carriers = [detect({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": "127.0.0.1"})
                for ua in (UA_DOCOMO_1, UA_DOCOMO_2, UA_AU, UA_SOFTBANK)]
    marker = urls.link_marker(("ksid",), "localhost", "http")
    for _ in range(ROUNDS):
        for page in pages:
            for carrier in carriers:
                for params in PARAMS:
                    yield keitai_page(page, carrier, params, host="localhost", scheme="http",
                                      css_dir=None)
            html, sheet = css_inline.take_stylesheets(page)
            if sheet is None:
                continue
            for link_marker, marked in ((None, ()), (marker, urls.LINK_TAGS)):
                yield apply_rules(html, sheet, link_marker, marked).encode("utf-8")
                yield apply_rules(html, sheet, link_marker, marked, by_lines=False).encode()
                encoded = apply_rules_encoded(html, sheet, link_marker, marked,
                                              _encoder(carriers[0]))
                yield b"None" if encoded is None else encoded
            yield css_inline.inline_css(page).encode("utf-8")


def main(directory: Path, name: str) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    pages = variants(shop_pages(directory))
    record = [base64.b64encode(body).decode("ascii") for body in outputs(pages)]
    (directory / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    digest = hashlib.sha256("".join(record).encode()).hexdigest()
    print(f"{len(pages)} pages, {len(record)} outputs, sha256 {digest}")
    before = directory / "before.json"
    if name == "before" or not before.exists():
        return 0
    expected = json.loads(before.read_text(encoding="utf-8"))
    differing = [i for i, (a, b) in enumerate(zip(expected, record, strict=True)) if a != b]
    if not differing:
        print("identical to before.json")
        return 0
    was, now = (base64.b64decode(r[differing[0]]) for r in (expected, record))
    pairs = enumerate(zip(was, now, strict=False))
    at = next((i for i, (a, b) in pairs if a != b), min(len(was), len(now)))
    print(f"{len(differing)} outputs differ; the first, #{differing[0]}, from byte {at}:")
    print("before:", was[max(at - 200, 0) : at + 200])
    print("now:   ", now[max(at - 200, 0) : at + 200])
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
