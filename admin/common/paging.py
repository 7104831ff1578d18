"""The admin pager (``admin/_paging.html``): which page numbers it shows.

Which page a request gets, and its rows, is ``ktaishop.paging`` (the storefront pages
with it too); this is only how the admin draws the pager.
"""

from __future__ import annotations

from admin import bp

EDGE, AROUND = 3, 2


@bp.app_template_global()
def page_window(page: int, pages: int) -> list[int | None]:
    """Page numbers to link, None where a run is left out (shown as …).

    The first and last few pages and those around the current one: a list of 2,000
    pages stays a short line.
    """
    shown = sorted({
        *range(1, min(EDGE, pages) + 1),
        *range(max(1, page - AROUND), min(pages, page + AROUND) + 1),
        *range(max(1, pages - EDGE + 1), pages + 1),
    })
    window: list[int | None] = []
    for n in shown:
        if window and window[-1] is not None and n != window[-1] + 1:
            window.append(None)
        window.append(n)
    return window
