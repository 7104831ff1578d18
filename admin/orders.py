"""注文 (P7–P17, P24, P25, P28): 注文一覧 and search, 詳細, 訂正, 取消, メール送信,
the two CSV downloads and 納品書.

Views are thin: every change goes through a rule on ``Order`` and the request commits;
a rule's refusal (TransitionError, OutOfStock) is shown as its Japanese message with
nothing half-applied.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ktaishop.extensions import db
from models import (
    DomainError,
    MailKind,
    MailLog,
    MailTemplate,
    Order,
    OrderStatus,
    OutOfStock,
    ShopSettings,
    now,
    queue_mail,
)
from models.merge import order_merge_values, render_merge

from . import bp
from .csv_io import CP932, ENCODINGS, UTF8_BOM, content_disposition
from .order_csv import has_orders_to_instruct, search_csv, shipping_instruction_csv
from .order_forms import ActionForm, CorrectForm, DownloadForm, MailForm, split_addresses
from .order_search import PAGE_SIZE, PAYMENT_CHOICES, STATUS_CHOICES, OrderSearch, page_count

MAX_INVOICES = 200


def _actor() -> str:
    return current_user.login


def _order_or_404(order_id: int, *, lock: bool = False) -> Order:
    """The order, its rows loaded; ``lock`` takes its row lock for a change (PostgreSQL)."""
    statement = select(Order).where(Order.id == order_id).options(
        selectinload(Order.items), selectinload(Order.package)
    )
    if lock:
        statement = statement.with_for_update(of=Order).execution_options(populate_existing=True)
    order = db.session.scalar(statement)
    if order is None:
        abort(404)
    return order


def _back_to_list(target: str | None) -> str:
    """Where a list action returns: the 注文 or 配送 list with its search, never another
    site (取消 is on both lists)."""
    lists = ("/admin/orders", "/admin/delivery")
    if target and target.startswith(lists) and "//" not in target and "\\" not in target:
        return target
    return url_for("admin.orders")


# -- 注文一覧 (P7, P8, P25) ----------------------------------------------------------------


@bp.route("/orders")
def orders():
    search = OrderSearch.from_args(request.args)
    total, rows = search.run(db.session)
    return render_template(
        "admin/orders/list.html", search=search, orders=rows, total=total,
        pages=page_count(total), page_size=PAGE_SIZE, payment_choices=PAYMENT_CHOICES,
        status_choices=STATUS_CHOICES, encodings=ENCODINGS, action_form=ActionForm(),
        download_form=DownloadForm(), next_url=request.full_path.rstrip("?"),
    )


def _csv_response(chunks, filename: str, encoding: str) -> Response:
    """A streamed CSV download. The stream reads on connections of its own, so the
    request's transaction (the login lookup) ends first: on SQLite it would otherwise
    hold the write lock the stream's reads wait for."""
    db.session.commit()
    charset = "Shift_JIS" if encoding == CP932 else "UTF-8"
    return Response(chunks, mimetype="text/csv", content_type=f"text/csv; charset={charset}",
                    headers={"Content-Disposition": content_disposition(filename),
                             "Cache-Control": "no-store"})


def _encoding_arg(value: str | None) -> str:
    return value if value in (CP932, UTF8_BOM) else CP932


@bp.route("/orders/download")
def orders_download():
    """ダウンロード (P17): the current search as CSV; nothing changes."""
    search = OrderSearch.from_args(request.args)
    encoding = _encoding_arg(request.args.get("encoding"))
    chunks = search_csv(db.engine, search, encoding)
    return _csv_response(chunks, f"{now():%Y%m%d}_orders_search.csv", encoding)


@bp.route("/orders/instruct-download", methods=["POST"])
def orders_instruct_download():
    """注文情報ダウンロード (P16): every 注文完了 order as CSV, each now 出荷指示."""
    form = DownloadForm()
    if not form.validate_on_submit():
        flash("文字コードを選んでください。", "error")
        return redirect(url_for("admin.orders"))
    if not has_orders_to_instruct(db.session):
        flash("注文状態が「注文完了」の注文はありません。ダウンロードするデータがないため、"
              "何も変更していません。", "info")
        return redirect(url_for("admin.orders"))
    encoding = _encoding_arg(form.encoding.data)
    chunks = shipping_instruction_csv(db.engine, _actor(), encoding)
    return _csv_response(chunks, f"{now():%Y%m%d}_orders.csv", encoding)


# -- 詳細 (P9), 取消 (P11), 訂正 (P10, P24) -------------------------------------------------


@bp.route("/orders/<int:order_id>")
def orders_detail(order_id: int):
    order = _order_or_404(order_id)
    mails = db.session.scalars(
        select(MailLog).where(MailLog.order_id == order.id).order_by(MailLog.sent_at, MailLog.id)
    ).all()
    back = _back_to_list(request.args.get("back"))  # 戻る: the list and search it came from
    return render_template("admin/orders/detail.html", order=order, mails=mails, back=back)


@bp.route("/orders/<int:order_id>/mails/<int:log_id>")
def orders_mail_log(order_id: int, log_id: int):
    """One mail of メール送信履歴, whole."""
    mail = db.session.get(MailLog, log_id)
    if mail is None or mail.order_id != order_id:
        abort(404)
    return render_template("admin/orders/mail_log.html", order=_order_or_404(order_id), mail=mail)


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
def orders_cancel(order_id: int):
    """取消 (P11): キャンセル, stock released; back to the list the admin came from."""
    form = ActionForm()
    back = _back_to_list(form.next.data)
    if not form.validate_on_submit():
        abort(400)
    order = _order_or_404(order_id, lock=True)
    try:
        order.cancel(db.session, _actor())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(f"注文番号{order.order_no}: {error.message}", "error")
        return redirect(back)
    flash(f"注文番号{order.order_no}の注文を取り消しました。", "info")
    return redirect(back)


@bp.route("/orders/<int:order_id>/correct", methods=["GET", "POST"])
def orders_correct(order_id: int):
    order = _order_or_404(order_id, lock=request.method == "POST")
    form = CorrectForm(status=order.status, memo=order.memo)
    cancelled = {item.id for item in order.items if item.cancelled}
    if form.validate_on_submit():
        cancelled = {int(v) for v in request.form.getlist("cancel_item") if v.isdigit()}
        try:
            _apply_correction(order, OrderStatus(form.status.data), cancelled, form.memo.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(_correction_refusal(error), "error")
            order = _order_or_404(order_id)
        else:
            if order.status == OrderStatus.INSTRUCTED and not order.instructed_by_download:
                flash("訂正で出荷指示にしました（イレギュラー対応）。この注文は配送画面の"
                      "個別の出荷結果ボタンを使えません。", "warning")
            flash("注文を訂正しました。", "info")
            return redirect(url_for("admin.orders_detail", order_id=order.id))
    return render_template("admin/orders/correct.html", order=order, form=form,
                           cancelled=cancelled)


def _correction_refusal(error: DomainError) -> str:
    """The refusal as the owner should read it.

    OutOfStock's own text speaks to the shopper (「数量を減らすか…」); the owner
    setting a キャンセル order or a cancelled line back needs to add stock instead.
    """
    if isinstance(error, OutOfStock):
        return (f"「{error.item_name}」は在庫が不足しています。商品情報で在庫数を"
                "増やしてから、もう一度訂正してください。")
    return error.message


def _apply_correction(order: Order, target: OrderStatus, cancelled: set[int], memo: str) -> None:
    """Memo, items and status through the rules; a refusal raises before the commit.

    Items change while the order can still take it: after restoring a キャンセル
    order, before cancelling or completing one.
    """
    actor = _actor()
    order.update_memo(memo or "", actor)
    if order.status == OrderStatus.CANCELLED:
        order.correct_status(db.session, target, actor)
    if target == OrderStatus.CANCELLED:  # the whole order goes: its lines with it
        order.correct_status(db.session, target, actor)
        return
    for item in order.items:
        if item.id in cancelled and not item.cancelled:
            order.cancel_item(db.session, item, actor)
        elif item.id not in cancelled and item.cancelled:
            order.restore_item(db.session, item, actor)
    order.correct_status(db.session, target, actor)


# -- メール送信 (P12–P14) --------------------------------------------------------------------


def _templates() -> list[MailTemplate]:
    return list(db.session.scalars(
        select(MailTemplate).where(MailTemplate.kind != MailKind.NEWSLETTER)
        .order_by(MailTemplate.id)
    ))


def _prefill(form: MailForm, order: Order, template: MailTemplate | None) -> None:
    """読み込み: the template's 件名/FROM/本文 with the order's 差込情報 filled in."""
    settings = ShopSettings.load(db.session)
    form.bcc.data = settings.mail_bcc
    form.mail_from.data = settings.mail_from
    if template is not None:
        values = order_merge_values(order, settings)
        form.subject.data = render_merge(template.subject, values)
        form.mail_from.data = template.mail_from or settings.mail_from
        form.body.data = render_merge(template.body, values)


@bp.route("/orders/<int:order_id>/mail", methods=["GET", "POST"])
def orders_mail(order_id: int):
    order = _order_or_404(order_id)
    templates = _templates()
    chosen = request.args.get("template", "")
    form = MailForm()
    if request.method == "GET":
        template = next((t for t in templates if str(t.id) == chosen), None)
        _prefill(form, order, template)
    elif form.validate_on_submit():
        error = _send(order, form)
        if error is None:
            flash("メールを送信しました。", "info")
            return redirect(url_for("admin.orders_detail", order_id=order.id))
        flash(f"メールを送信できませんでした。{error}", "error")
    return render_template("admin/orders/mail.html", order=order, form=form,
                           templates=templates, chosen=chosen)


def _send(order: Order, form: MailForm) -> str | None:
    """Queue the mail and deliver it now; the Japanese error text, or None when sent.

    The row is added and sent in one transaction (send_now marks it ``sending``
    before the SMTP talk), so no worker can pick it up and send it a second time;
    a failed send is committed as failed and nothing is written to メール送信履歴.
    """
    from ktaishop.outbox import send_now

    message = queue_mail(
        db.session, to=order.purchaser_email, mail_from=form.mail_from.data,
        subject=form.subject.data, body=form.body.data,
        cc=", ".join(split_addresses(form.cc.data or "")),
        bcc=form.bcc.data or "", kind=MailKind.GENERAL, order_id=order.id,
    )
    error = send_now(db.session, message)
    db.session.commit()
    return error


# -- 納品書 (P28) ----------------------------------------------------------------------------


@bp.route("/orders/<int:order_id>/invoice")
def orders_invoice(order_id: int):
    return _invoices([_order_or_404(order_id)])


@bp.route("/orders/invoices")
def orders_invoices():
    """Several 納品書 at once (ticked on the list), one per printed page."""
    ids = [int(v) for v in request.args.getlist("id") if v.isdigit()][:MAX_INVOICES]
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
    return render_template("admin/orders/invoice.html", orders=orders,
                           shop=ShopSettings.load(db.session))
