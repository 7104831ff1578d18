"""Chromium as today's shoppers hold it: an iPhone, an Android phone, a ガラホ, a PC.

Each device is a Playwright context with the handset's viewport, pixel density, touch and
User-Agent (the shop picks its face by User-Agent, as it does for real handsets). The
checks here are what a shopper would notice: axe-core's serious and critical findings,
tap targets too small for a finger, inputs small enough for iOS to zoom into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.sync_playwright import Axe

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
GARAHO_UA = (  # au GRATINA KYF37, a ガラホ: Android inside, driven by a keypad
    "Mozilla/5.0 (Linux; Android 8.1.0; KYF37 Build/3.030VE.0100.a) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/61.0.3163.98 Mobile Safari/537.36"
)
PC_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Device:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


IPHONE = Device("iPhone", {"user_agent": IPHONE_UA, "viewport": {"width": 390, "height": 844},
                           "device_scale_factor": 3, "is_mobile": True, "has_touch": True})
ANDROID = Device("Android", {"user_agent": ANDROID_UA,
                             "viewport": {"width": 412, "height": 915},
                             "device_scale_factor": 2.625, "is_mobile": True, "has_touch": True})
GARAHO = Device("ガラホ", {"user_agent": GARAHO_UA, "viewport": {"width": 480, "height": 854},
                          "device_scale_factor": 1, "is_mobile": True, "has_touch": False})
PC = Device("PC", {"user_agent": PC_UA, "viewport": {"width": 1280, "height": 900}})

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_axe = Axe()


def open_device(browser, device: Device, **extra: Any):
    """A fresh page on ``device`` (no cache, no cookies: a first visit)."""
    context = browser.new_context(locale="ja-JP", **device.options, **extra)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def serious_axe_findings(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} - "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


# Every visible control and link: its box, font size, and whether it is a primary button.
_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
               && !e.closest('.vh') && !e.classList.contains('skip'))
  .map(e => { const r = e.getBoundingClientRect();
              return {what: (e.outerHTML || '').slice(0, 90), width: r.width, height: r.height,
                      font: parseFloat(getComputedStyle(e).fontSize), tag: e.tagName,
                      type: e.type || '', primary: e.matches('.primary, input[type=submit]')}; })"""


def small_targets(page) -> list[str]:
    """Targets under 24x24 CSS px (WCAG 2.2 2.5.8), primary buttons under 44 px tall,
    and text inputs under 16 px (iOS zooms into those)."""
    problems = []
    for t in page.evaluate(_TARGETS):
        if t["width"] < 24 or t["height"] < 24:
            problems.append(f"{t['width']:.0f}x{t['height']:.0f}: {t['what']}")
        if t["primary"] and t["height"] < 44:
            problems.append(f"primary button {t['height']:.0f} px tall: {t['what']}")
        typed = t["tag"] in ("INPUT", "SELECT", "TEXTAREA") and t["type"] not in (
            "radio", "checkbox", "submit", "button")
        if typed and t["font"] < 16:
            problems.append(f"input font {t['font']} px: {t['what']}")
    return problems


def check_page(page) -> None:
    """The page as a shopper meets it: nothing serious for axe, every target big enough."""
    assert serious_axe_findings(page) == [], page.url
    assert small_targets(page) == [], page.url
