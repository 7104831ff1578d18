"""The scanning regexes reject hostile text in one pass (carrier_compat/README.md, section 6).

Written without possessive quantifiers, the split pattern and the self-contained test
would take exponential time on text like a long run of characters before an unclosed
tag: a page (a product description, an error page echoing input) would hang a worker.
The work runs in a child process under a time limit, so a regression fails the test
instead of hanging the suite; the real cost is milliseconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from carrier_compat import css_inline, urls
from carrier_compat.css_match import _SELF_CONTAINED, _split_pattern, _stack_names
from carrier_compat.detection import detect
from carrier_compat.pipeline import keitai_page
from tests.carrier_compat.conftest import UA_DOCOMO_1
from tests.carrier_compat.test_web_inline_plain import COMPETING_CSS

REPO = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 60  # the whole child, imports included; it needs about one second
HOSTILE = [
    "x" * 50_000 + '<p title="',
    "<div " + 'a="1" ' * 8_000,
    "<div" + " " * 50_000 + "x",
    "< " * 25_000 + '<p a="',
    '<span class="' + "x" * 50_000,
    '<a href="/x"' + ' b="c"' * 8_000 + " class",
    "<div class='item'" + " id" * 10_000,
]


def slowest_hostile_text() -> float:
    """Seconds the slowest hostile text takes through the regexes and the pipeline."""
    sheet = css_inline.compile_stylesheet(COMPETING_CSS)
    pattern = _split_pattern(sheet, _stack_names(sheet), urls.LINK_TAGS)
    carrier = detect({"HTTP_USER_AGENT": UA_DOCOMO_1})
    slowest = 0.0
    for text in HOSTILE:
        page = (f"<html><head><style>{COMPETING_CSS}</style></head><body><p>a</p>\n\n"
                f"{text}\n\n</body></html>")
        start = time.perf_counter()
        assert _SELF_CONTAINED.fullmatch(text) is None
        pattern.split(text)
        for _ in range(3):  # first sight, second sight, from the memo
            keitai_page(page, carrier, [("ksid", "k")], host="localhost", scheme="http",
                        css_dir=None)
        slowest = max(slowest, time.perf_counter() - start)
    return slowest


def test_hostile_text_is_rejected_in_linear_time() -> None:
    code = ("from tests.carrier_compat.test_web_regex_linear import slowest_hostile_text; "
            "print(slowest_hostile_text())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=LIMIT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 5.0  # seconds for the slowest text; milliseconds in truth
