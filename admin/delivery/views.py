"""配送 (P18–P22): 配送一覧, 出荷結果サンプル and 出荷結果 per order.

The CSV upload lives in ``upload`` and 出荷通知メール送信 in ``notice``, beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager

from admin import bp
from admin.common.csv_write import CP932, ENCODINGS, content_disposition, csv_chunks
from admin.common.records import actor, order_or_404
from admin.orders.search import PAGE_SIZE, PAYMENT_CHOICES, STATUS_CHOICES, OrderSearch, page_count
from ktaishop import paging
from ktaishop.extensions import db
from models import DomainError, Order, OrderStatus, Package, PackageStatus, SlipDetails

from .forms import NoticeForm, ShipmentForm, UploadForm
from .upload_plan import SAMPLE_COLUMNS, SAMPLE_ROW

PACKAGE_CHOICES = tuple(PackageStatus)


@dataclass
class DeliverySearch:
    """The order list's search (P8, P25) plus the 荷物状態 check boxes."""

    orders: OrderSearch
    packages: list[str]

    @classmethod
    def from_args(cls, args: Any) -> DeliverySearch:
        wanted = args.getlist("package")
        return cls(OrderSearch.from_args(args), [p.value for p in PACKAGE_CHOICES if p in wanted])

    def _where(self, statement: Select) -> Select:
        statement = statement.where(*self.orders.conditions())
        if self.packages and len(self.packages) < len(PACKAGE_CHOICES):
            statement = statement.where(Package.status.in_(self.packages))
        return statement

    def count_statement(self) -> Select:
        return self._where(select(func.count()).select_from(Order).join(Order.package))

    def page_statement(self) -> Select:
        return paging.limit_to_page(
            self._where(select(Order).join(Order.package).options(contains_eager(Order.package)))
            .order_by(Order.ordered_at.desc(), Order.id.desc()),
            self.orders.page, PAGE_SIZE,
        )

    def run(self, session: Session) -> tuple[int, list[Order]]:
        """(total, this page's orders), newest first; ``orders.page`` is settled on the
        page shown (past the end, the last page)."""
        total = session.scalar(self.count_statement()) or 0
        self.orders.page = paging.Page.of(self.orders.page, PAGE_SIZE, total).number
        return total, list(session.scalars(self.page_statement()))

    def query_string(self, **override: Any) -> str:
        from urllib.parse import urlencode

        values = self.orders.query_args(**override)
        if self.packages:
            values["package"] = self.packages
        return urlencode(values, doseq=True)


def shipment_refusal(order: Order) -> str | None:
    """Why 出荷結果 (P21) cannot be used for ``order`` now; None when it can."""
    if order.package.status == PackageStatus.NOTIFIED:
        return "出荷通知メールを送信済みのため、出荷結果は変更できません。"
    if order.status == OrderStatus.COMPLETED:
        return ("まだ出荷指示になっていません。"
                "注文画面の注文情報ダウンロードで出荷指示にしてください。")
    if order.status != OrderStatus.INSTRUCTED:
        return f"注文状態が「{order.status_enum.label}」の注文には出荷結果を登録できません。"
    if not order.instructed_by_download:
        return ("この注文は注文画面の訂正で出荷指示に変更された（イレギュラー対応の）ため、"
                "ここでは個別に出荷結果を登録できません（マニュアル P21）。"
                "CSVファイルでの出荷結果登録をお使いください。")
    return None


@bp.route("/delivery")
def delivery():
    """配送一覧 (P20): newest first, searchable like the order list, with the upload form."""
    search = DeliverySearch.from_args(request.args)
    total, rows = search.run(db.session)
    shipped = db.session.scalar(
        select(func.count()).select_from(Package).join(Package.order)
        .where(Package.status == PackageStatus.SHIPPED, Order.status == OrderStatus.INSTRUCTED)
    ) or 0
    return render_template(
        "admin/delivery/list.html", search=search, orders=rows, total=total,
        pages=page_count(total), payment_choices=PAYMENT_CHOICES, status_choices=STATUS_CHOICES,
        package_choices=PACKAGE_CHOICES, upload_form=UploadForm(), notice_form=NoticeForm(),
        shipped_count=shipped, encodings=ENCODINGS, refusal=shipment_refusal,
        next_url=request.full_path.rstrip("?"),
    )


@bp.route("/delivery/sample.csv")
def delivery_sample() -> Response:
    """出荷結果サンプル (P19): the header and one example row, encoded like the order CSV."""
    encoding = request.args.get("encoding", CP932)
    if encoding not in ENCODINGS:
        encoding = CP932
    body = b"".join(csv_chunks(SAMPLE_COLUMNS, [SAMPLE_ROW], encoding))
    charset = "Shift_JIS" if encoding == CP932 else "UTF-8"
    return Response(body, mimetype="text/csv", headers={
        "Content-Type": f"text/csv; charset={charset}",
        "Content-Disposition": content_disposition("shipping_result_sample.csv"),
    })


@bp.route("/delivery/<id:order_id>/shipment", methods=["GET", "POST"])
def delivery_shipment(order_id: int):
    """出荷結果 for one order (P21): 伝票番号 → 出荷済; refused with the reason when not allowed."""
    order = order_or_404(order_id, lock=request.method == "POST")
    package = order.package
    form = ShipmentForm(data={
        "delivery_no": package.delivery_no, "shop_code": package.shop_code,
        "shop_name": package.shop_name, "shop_tel": package.shop_tel,
        "shop_memo": package.shop_memo, "delivery_company": package.delivery_company,
        "delivery_date": f"{package.delivery_date:%Y-%m-%d %H:%M:%S}"
        if package.delivery_date else "",
    })
    refusal = shipment_refusal(order)
    if refusal is None and form.validate_on_submit():
        try:
            order.register_shipment(SlipDetails(**form.slip_values()), actor(), by_hand=True)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"注文番号{order.order_no}を出荷済にしました（伝票番号 {package.delivery_no}）。",
                  "info")
            return redirect(url_for("admin.delivery"))
    return render_template("admin/delivery/shipment.html", order=order, form=form,
                           refusal=refusal)
