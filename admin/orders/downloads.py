"""The two order CSVs of 注文一覧: ダウンロード (P17, the search) and 注文情報ダウンロード (P16).

The file itself (columns, rows, the 出荷指示 export in one transaction) is
``order_csv``'s; here are the buttons and the streamed responses.
"""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, request, url_for

from admin import bp
from admin.common.audit import audit
from admin.common.csv_write import CP932, UTF8_BOM, content_disposition
from admin.common.records import actor
from ktaishop.extensions import db
from models import now

from .forms import DownloadForm
from .order_csv import (
    has_orders_to_instruct,
    orders_to_instruct,
    search_csv,
    shipping_instruction_csv,
)
from .search import OrderSearch


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


def _refusal(message: str, category: str):
    """No file: the list with ``message`` flashed, or, for the list's script (which fetches
    the file to stay on the page), the message as JSON."""
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify(message=message), (400 if category == "error" else 200)
    flash(message, category)
    return redirect(url_for("admin.orders"))


@bp.route("/orders/download")
def orders_download():
    """ダウンロード (P17): the current search as CSV; nothing changes."""
    search = OrderSearch.from_args(request.args)
    encoding = _encoding_arg(request.args.get("encoding"))
    chunks = search_csv(db.engine, search, encoding)
    audit("csv_download", "注文 ダウンロード", f"{db.session.scalar(search.count_statement())}件")
    return _csv_response(chunks, f"{now():%Y%m%d}_orders_search.csv", encoding)


@bp.route("/orders/instruct-download", methods=["POST"])
def orders_instruct_download():
    """注文情報ダウンロード (P16): every 注文完了 order as CSV, each now 出荷指示."""
    form = DownloadForm()
    if not form.validate_on_submit():
        return _refusal("文字コードを選んでください。", "error")
    if not has_orders_to_instruct(db.session):
        return _refusal("注文状態が「注文完了」の注文はありません。"
                        "ダウンロードするデータがないため、何も変更していません。", "info")
    encoding = _encoding_arg(form.encoding.data)
    chunks = shipping_instruction_csv(db.engine, actor(), encoding)
    audit("csv_download", "注文情報ダウンロード", f"{orders_to_instruct(db.session)}件")
    return _csv_response(chunks, f"{now():%Y%m%d}_orders.csv", encoding)
