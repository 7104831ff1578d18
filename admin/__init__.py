"""The PC admin: one package per chapter of the manual, every URL behind the login.

``bp`` is the blueprint and its login gate; each screen module adds its routes to it.
The factory registers ``admin.routes.bp``: that module imports every screen, so this
package imports none of them and a screen may import ``bp`` from here without a cycle.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")

# Endpoints anyone may reach: the login screens and the admin's stylesheet.
PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.login_code", "admin.static"})


@bp.before_request
def require_login():
    """Every /admin URL needs a logged-in admin; others go to the login with ``next``."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


@bp.context_processor
def admin_context() -> dict:
    from .menu import MENU

    return {"admin_menu": MENU}
