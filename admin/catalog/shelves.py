"""商品陳列棚: add, rename, reorder and delete shelves (products stay, only unshelved)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from admin import bp
from ktaishop.extensions import db
from models import Shelf


class ShelfForm(FlaskForm):
    name = StringField("陳列棚名", validators=[
        DataRequired("陳列棚名を入力してください。"),
        Length(max=100, message="陳列棚名は100文字以内で入力してください。"),
    ])


def ordered_shelves() -> list[Shelf]:
    return list(db.session.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)))


@bp.route("/shelves", methods=["GET", "POST"])
def shelves():
    """The list, in storefront order, with the add form (POST adds at the end)."""
    form = ShelfForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if _name_taken(name):
            form.name.errors.append(f"陳列棚「{name}」はすでにあります。")
        else:
            last = db.session.scalar(select(func.max(Shelf.position))) or 0
            db.session.add(Shelf(name=name, position=last + 1))
            db.session.commit()
            flash(f"陳列棚「{name}」を追加しました。", "info")
            return redirect(url_for("admin.shelves"))
    counts = dict(db.session.execute(
        select(Shelf.id, func.count()).join(Shelf.products).group_by(Shelf.id)).all())
    return render_template("admin/shelves/list.html", form=form, shelves=ordered_shelves(),
                           counts=counts)


def _name_taken(name: str, but: int | None = None) -> bool:
    query = select(Shelf.id).where(Shelf.name == name)
    if but is not None:
        query = query.where(Shelf.id != but)
    return db.session.scalar(query) is not None


def _shelf_or_404(shelf_id: int) -> Shelf:
    shelf = db.session.get(Shelf, shelf_id)
    if shelf is None:
        abort(404)
    return shelf


@bp.route("/shelves/<id:shelf_id>/rename", methods=["POST"])
def shelf_rename(shelf_id: int):
    shelf = _shelf_or_404(shelf_id)
    form = ShelfForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    elif _name_taken(form.name.data.strip(), but=shelf.id):
        flash(f"陳列棚「{form.name.data.strip()}」はすでにあります。", "error")
    else:
        shelf.name = form.name.data.strip()
        db.session.commit()
        flash(f"陳列棚名を「{shelf.name}」に変更しました。", "info")
    return redirect(url_for("admin.shelves"))


@bp.route("/shelves/<id:shelf_id>/move/<direction>", methods=["POST"])
def shelf_move(shelf_id: int, direction: str):
    """上へ / 下へ: swap with the neighbour; positions are renumbered 1..n as we go."""
    if direction not in ("up", "down"):
        abort(404)
    shelves = ordered_shelves()
    index = next((i for i, s in enumerate(shelves) if s.id == shelf_id), None)
    if index is None:
        abort(404)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(shelves):
        shelves[index], shelves[other] = shelves[other], shelves[index]
    for position, shelf in enumerate(shelves, start=1):
        shelf.position = position
    db.session.commit()
    return redirect(url_for("admin.shelves"))


@bp.route("/shelves/<id:shelf_id>/delete", methods=["POST"])
def shelf_delete(shelf_id: int):
    """The shelf goes; its products stay, only no longer on this shelf."""
    shelf = _shelf_or_404(shelf_id)
    name, count = shelf.name, len(shelf.products)
    db.session.delete(shelf)
    db.session.commit()
    flash(f"陳列棚「{name}」を削除しました（並んでいた商品 {count} 件は残っています）。", "info")
    return redirect(url_for("admin.shelves"))
