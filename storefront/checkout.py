"""Checkout, step by step (small pages for keitai): who buys, 注文者情報, 配送先,
配送オプション and 決済方法, card entry. Confirmation and 注文する are in checkout_place.

The entered values are kept in ``session["checkout"]``; card numbers never are (only
the gateway's reference and the last four digits). Whenever the session gains a
shopper's details (注文者, 配送先, card) a cookie-less handset's session moves to a new
URL key (``keep_details``): a key planted in a link (session fixation) is worthless
from then on.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import request, session
from werkzeug.wrappers import Response

from carrier_compat.flask import regenerate_session
from ktaishop.extensions import db
from ktaishop.payment import CardInput, PaymentDeclined, authorise_card, release_card
from models import PaymentMethod, Quote, quote_cart
from models.base import today

from . import bp, cart_store
from .address import filled_from_postcode, lookup_requested
from .common import current_member, redirect_to, render, shop
from .forms import PERSON_FIELDS, Cleaned, clean_note, clean_person, text


def state() -> dict[str, Any]:
    value = session.get("checkout")
    return dict(value) if isinstance(value, dict) else {}


def save_state(values: dict[str, Any]) -> None:
    session["checkout"] = values


def keep_details(values: dict[str, Any]) -> None:
    """Save personal details entered at checkout, under a new session key."""
    save_state(values)
    regenerate_session()


def delivery_dates() -> list[date]:
    """配送希望日 choices: from today + lead days, for range days."""
    settings = shop()
    first = today() + timedelta(days=settings.delivery_lead_days)
    return [first + timedelta(days=i) for i in range(max(settings.delivery_range_days, 0) + 1)]


def quote_for(st: dict[str, Any]) -> Quote:
    """The cart with the chosen 決済方法 and 包装 at today's prices, fees and tax rule:
    what the 最終確認画面 shows and 注文する must find unchanged (``models.quote``)."""
    payment = PaymentMethod(st.get("payment", PaymentMethod.COD))
    return quote_cart(db.session, cart_store.cart_lines(), payment, st.get("wrapping") or "",
                      shop())


def drop_card(st: dict[str, Any], why: str) -> None:
    """Forget the card of this checkout and void its authorisation unless an order
    claimed it (the shopper went back, the amount changed, 注文する was refused).
    Commits the release; the caller saves ``st``."""
    card = st.pop("card", None)
    if isinstance(card, dict) and card.get("reference"):
        release_card(db.session, str(card["reference"]), why)
        db.session.commit()


def _need_cart() -> Response | None:
    if not cart_store.cart_lines():
        return redirect_to("storefront.cart")
    return None


def _need(st: dict[str, Any], *keys: str) -> Response | None:
    """Redirect to the first step whose data is missing (cart, buyer, options)."""
    if (early := _need_cart()) is not None:
        return early
    if current_member() is None and not st.get("guest"):
        return redirect_to("storefront.checkout")
    if "purchaser" in keys and not st.get("purchaser"):
        return redirect_to("storefront.checkout_info")
    if "recipient" in keys and not st.get("same") and not st.get("recipient"):
        return redirect_to("storefront.checkout_recipient")
    if "options" in keys and "payment" not in st:
        return redirect_to("storefront.checkout_options")
    return None


@bp.route("/checkout")
def checkout() -> Response | str:
    if (early := _need_cart()) is not None:
        return early
    if current_member() is not None:
        return redirect_to("storefront.checkout_info")
    return render("checkout/start.html")


@bp.route("/checkout/guest")
def checkout_guest() -> Response:
    st = state()
    st["guest"] = True
    save_state(st)
    return redirect_to("storefront.checkout_info")


def _member_defaults() -> dict[str, str]:
    member = current_member()
    if member is None:
        return {}
    return {name: getattr(member, name) or "" for name in PERSON_FIELDS}


@bp.route("/checkout/info", methods=["GET", "POST"])
def checkout_info() -> Response | str:
    st = state()
    if (early := _need(st)) is not None:
        return early
    if request.method == "GET":
        values = st.get("purchaser") or _member_defaults()
        return render("checkout/info.html", values=values, errors={}, same=st.get("same", True))
    cleaned = clean_person(request.form)
    same = request.form.get("same", "1") == "1"
    if lookup_requested(request.form):
        values, errors = filled_from_postcode(cleaned.values, request.form)
        return render("checkout/info.html", values=values, errors=errors, same=same)
    if not cleaned.ok:
        return render("checkout/info.html", values=cleaned.values, errors=cleaned.errors,
                      same=same)
    st.update(purchaser=cleaned.values, same=same)
    if same:
        st.pop("recipient", None)
    keep_details(st)
    return redirect_to("storefront.checkout_options" if same else "storefront.checkout_recipient")


@bp.route("/checkout/recipient", methods=["GET", "POST"])
def checkout_recipient() -> Response | str:
    st = state()
    if (early := _need(st, "purchaser")) is not None:
        return early
    if request.method == "GET":
        return render("checkout/recipient.html", values=st.get("recipient") or {}, errors={})
    cleaned = clean_person(request.form, with_email=False)
    if lookup_requested(request.form):
        values, errors = filled_from_postcode(cleaned.values, request.form)
        return render("checkout/recipient.html", values=values, errors=errors)
    if not cleaned.ok:
        return render("checkout/recipient.html", values=cleaned.values, errors=cleaned.errors)
    st.update(recipient=cleaned.values, same=False)
    keep_details(st)
    return redirect_to("storefront.checkout_options")


def clean_options(form: Any) -> Cleaned:
    """配送希望日, 時間帯, 包装, 備考 and 決済方法, each checked against the settings."""
    settings = shop()
    result = Cleaned()
    day = form.get("date", "")
    allowed_days = {d.isoformat() for d in delivery_dates()}
    if day and day not in allowed_days:
        result.errors["date"] = "配送希望日は一覧から選んでください。"
    slot = text(form.get("time"))
    if slot and slot not in (settings.delivery_time_slots or []):
        result.errors["time"] = "配送希望時間帯は一覧から選んでください。"
    wrapping = text(form.get("wrapping"))
    names = [o.get("name") for o in settings.wrapping_options or []]
    if wrapping and wrapping not in names:
        result.errors["wrapping"] = "包装オプションは一覧から選んでください。"
    note, note_error = clean_note(form.get("note"))
    if note_error:
        result.errors["note"] = note_error
    payment = form.get("payment", "")
    if payment not in (PaymentMethod.COD, PaymentMethod.CARD):
        result.errors["payment"] = "決済方法を選んでください。"
    result.values = {"date": day, "time": slot, "wrapping": wrapping, "note": note,
                     "payment": payment}
    return result


@bp.route("/checkout/options", methods=["GET", "POST"])
def checkout_options() -> Response | str:
    st = state()
    if (early := _need(st, "purchaser", "recipient")) is not None:
        return early
    context = {"dates": delivery_dates()}
    if request.method == "GET":
        values = {k: st.get(k, "") for k in ("date", "time", "wrapping", "note", "payment")}
        return render("checkout/options.html", values=values, errors={}, **context)
    cleaned = clean_options(request.form)
    if not cleaned.ok:
        return render("checkout/options.html", values=cleaned.values, errors=cleaned.errors,
                      **context)
    st.update(cleaned.values)
    drop_card(st, "配送・決済方法の変更")  # the amount may have changed: ask for the card again
    save_state(st)
    if cleaned.values["payment"] == PaymentMethod.CARD:
        return redirect_to("storefront.checkout_card")
    return redirect_to("storefront.checkout_confirm")


def _card_from(form: Any) -> tuple[CardInput | None, dict[str, str]]:
    errors: dict[str, str] = {}
    number = "".join(ch for ch in text(form.get("card_number")) if ch.isdigit())
    try:
        month, year = int(form.get("exp_month", "")), int(form.get("exp_year", ""))
    except ValueError:
        month = year = 0
    if not number:
        errors["card_number"] = "カード番号を入力してください。"
    # A card prints its year as two digits (MM/YY): nothing real lies outside 2000-2099.
    if not (1 <= month <= 12 and 2000 <= year <= 2099):
        errors["exp"] = "有効期限を選んでください。"
    holder = text(form.get("holder")).upper()
    if not holder or not holder.replace(" ", "").isalpha() or not holder.isascii():
        errors["holder"] = "カード名義はローマ字で入力してください。"
    if errors:
        return None, errors
    return CardInput(number, month, year, holder), errors


@bp.route("/checkout/card", methods=["GET", "POST"])
def checkout_card() -> Response | str:
    st = state()
    if (early := _need(st, "purchaser", "recipient", "options")) is not None:
        return early
    if st.get("payment") != PaymentMethod.CARD:
        return redirect_to("storefront.checkout_confirm")
    cart_store.rows()  # drops lines no longer on sale
    total = quote_for(st).total
    years = range(today().year, today().year + 11)
    if request.method == "GET":
        return render("checkout/card.html", errors={}, total=total, years=years)
    card, errors = _card_from(request.form)
    if card is not None:
        drop_card(st, "カード情報の再入力")  # one open authorisation per checkout
        try:
            auth = authorise_card(db.session, card, total)
        except PaymentDeclined as declined:
            db.session.rollback()
            errors["card_number"] = declined.message
        else:
            db.session.commit()
            st["card"] = {"reference": auth.reference, "last4": auth.last4, "amount": total}
            keep_details(st)
            return redirect_to("storefront.checkout_confirm")
        save_state(st)
    return render("checkout/card.html", errors=errors, total=total, years=years)
