"""The demo shop of ``ktaishop seed-demo``: ``shop`` seeds it, ``data`` is what it holds."""

from .shop import DEMO_ADMIN, DEMO_PASSWORD, grow, seed

__all__ = ["DEMO_ADMIN", "DEMO_PASSWORD", "grow", "seed"]
