"""Bar charts drawn as inline SVG by the templates (no script): the scale and the bars."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One bar: what it stands for, its value, and where the SVG draws it."""

    key: str
    label: str
    value: int
    x: float
    y: float
    height: float


def nice_ceiling(value: int) -> int:
    """1, 2 or 5 times a power of ten, at least ``value`` (a readable axis)."""
    if value <= 0:
        return 0
    magnitude = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def bars(points: list[tuple[str, str, int]], width: int = 720, height: int = 180
         ) -> tuple[list[Bar], int, float]:
    """(key, label, value) points as bars in a ``width`` x ``height`` plot, left to right.

    Returns the bars, the y-axis maximum and the width of one bar.
    """
    scale_max = nice_ceiling(max((value for _, _, value in points), default=0))
    step = width / max(len(points), 1)
    drawn = []
    for i, (key, label, value) in enumerate(points):
        h = height * value / scale_max if scale_max else 0
        drawn.append(Bar(key, label, value, round(i * step + step * 0.15, 1),
                         round(height - h, 1), round(h, 1)))
    return drawn, scale_max, round(step * 0.7, 1)
