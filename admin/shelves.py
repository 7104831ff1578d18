"""Placeholder until this screen family's issue lands."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.route("/shelves")
def shelves():
    return render_template("admin/placeholder.html")
