"""ktaishop: a shop for Japanese feature phones and the PC admin that runs it.

The WSGI app for gunicorn is ``ktaishop:create_app()``.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
