"""QR codes for the PC face: point a phone at the screen to open the page there.

What keitai shops always printed beside their PC pages. segno draws the code as inline
SVG (no image request, no script); error correction M survives a photo of a screen.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

MODULE_PIXELS = 4


def qr_svg(url: str, label: str = "QRコード") -> Markup:
    """An ``<svg>`` QR code of ``url``, named ``label`` for screen readers."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=MODULE_PIXELS, border=4, dark="#000", light="#fff",
                          omitsize=False, title=label)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
