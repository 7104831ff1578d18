"""納品書 (P28): one printable page per order, alone or several ticked on 注文一覧."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin import bp
from admin.common.records import order_or_404
from ktaishop.extensions import db
from models import Order, ShopSettings, today

MAX_INVOICES = 200

@bp.route("/orders/<id:order_id>/invoice")
def orders_invoice(order_id: int):
    return _invoices([order_or_404(order_id)])


@bp.route("/orders/invoices", methods=["GET", "POST"])
def orders_invoices():
    """Several 納品書 at once (ticked on the list), one per printed page; POSTed by the
    list's 一括操作 form, whose ticks it shares (it changes nothing)."""
    ids = [int(v) for v in request.values.getlist("id") if v.isdigit()][:MAX_INVOICES]
    found = db.session.scalars(
        select(Order).where(Order.id.in_(ids)).options(selectinload(Order.items))
    ).all()
    by_id = {order.id: order for order in found}
    chosen = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    if not chosen:
        flash("納品書を印刷する注文を選んでください。", "error")
        return redirect(url_for("admin.orders"))
    return _invoices(chosen)


def _invoices(orders: list[Order]):
    """The sheets; with a 登録番号 in 設定 each is a 適格請求書 (seller, 登録番号, 発行日,
    「※」 on reduced-rate lines, amount and tax per rate)."""
    return render_template("admin/orders/invoice.html", orders=orders,
                           shop=ShopSettings.load(db.session), issued=today())
