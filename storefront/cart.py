"""The cart pages: カートに入れる, quantity change, 削除, 購入手続きへ."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from ktaishop.extensions import db
from models import Variant

from . import bp, cart_store
from .catalog import visible_product
from .common import flash_message, redirect_to, render
from .forms import row_id


def _int_field(name: str, default: int = 0) -> int:
    try:
        return int(request.form.get(name, default))
    except (TypeError, ValueError):
        return default


@bp.route("/cart")
def cart() -> str:
    rows = cart_store.rows()
    return render(
        "cart.html",
        rows=rows,
        subtotal=cart_store.subtotal(rows),
        quantities=range(0, cart_store.MAX_QUANTITY + 1),
    )


@bp.route("/cart/add", methods=["POST"])
def cart_add() -> Response:
    product = visible_product(_int_field("product_id"))
    variant_id = _int_field("variant_id")
    variant = db.session.get(Variant, variant_id) if row_id(variant_id) else None
    if variant is None or variant.product_id != product.id:
        variant = product.variants[0] if len(product.variants) == 1 else None
    if variant is None:
        flash_message("オプションを選んでください。")
        return redirect_to("storefront.product", product_id=product.id)
    if product.sale_ended():
        flash_message(f"「{product.name}」は販売期間が終了しました。")
        return redirect_to("storefront.product", product_id=product.id)
    quantity = _int_field("quantity", 1)
    if not 1 <= quantity <= cart_store.MAX_QUANTITY:
        flash_message(f"数量は1～{cart_store.MAX_QUANTITY}で指定してください。")
        return redirect_to("storefront.product", product_id=product.id)
    if variant.stock < quantity:
        flash_message(f"「{product.name}」は在庫が不足しています。")
        return redirect_to("storefront.product", product_id=product.id)
    cart_store.add(variant.id, quantity)
    flash_message(f"「{product.name}」をカートに入れました。")
    return redirect_to("storefront.cart")


@bp.route("/cart/update", methods=["POST"])
def cart_update() -> Response:
    variant_id = _int_field("variant_id")
    if "delete" in request.form:
        cart_store.remove(variant_id)
        flash_message("商品をカートから削除しました。")
    else:
        quantity = _int_field("quantity", -1)
        if not 0 <= quantity <= cart_store.MAX_QUANTITY:
            flash_message(f"数量は0～{cart_store.MAX_QUANTITY}で指定してください。")
        else:
            cart_store.set_quantity(variant_id, quantity)
            flash_message("数量を変更しました。")
    return redirect_to("storefront.cart")
