"""売上集計's screen and its CSV download (CP932 or UTF-8, like the order CSVs)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, render_template, request

from admin import bp
from admin.common.chart import bars
from admin.common.csv_write import CP932, ENCODINGS, content_disposition, csv_chunks
from ktaishop.extensions import db

from .sales import MEASURES, PRESETS, RANKS, UNITS, Period, SalesReport, aggregate

# The CSV's tables, in the order of the screen.
SECTIONS = (("by_time", "期間"), ("by_carrier", "キャリア"), ("by_payment", "決済方法"))


@bp.route("/reports")
def reports():
    """売上集計: ?preset=today|week|month|last_month or ?date_from&date_to, ?unit, ?rank."""
    period = Period.from_args(request.args)
    report = None if period.errors else aggregate(db.session, period)
    chart = None
    if report is not None:
        chart = bars([(r.key, r.label, r.values["total"]) for r in report.by_time])
    return render_template("admin/reports/sales.html", period=period, report=report,
                           chart=chart, presets=PRESETS, units=UNITS, ranks=RANKS,
                           measures=MEASURES, encodings=ENCODINGS)


@bp.route("/reports/sales.csv")
def reports_csv():
    """The report as one CSV: a section per table, then the product ranking."""
    period = Period.from_args(request.args)
    encoding = request.args.get("encoding", CP932)
    if encoding not in ENCODINGS:
        encoding = CP932
    if period.errors:
        return Response("\n".join(period.errors), status=400,
                        content_type="text/plain; charset=utf-8")
    report = aggregate(db.session, period)
    header = ["区分", "項目", *(label for _, label, _ in MEASURES), "数量"]
    body = b"".join(csv_chunks(header, csv_rows(report), encoding))
    name = f"sales_{period.date_from:%Y%m%d}_{period.date_to:%Y%m%d}.csv"
    charset = "Shift_JIS" if encoding == CP932 else "UTF-8"
    return Response(body, content_type=f"text/csv; charset={charset}", headers={
        "Content-Disposition": content_disposition(name), "Cache-Control": "no-store"})


def csv_rows(report: SalesReport) -> Iterator[list[str]]:
    """区分 (the table), 項目 (its row), the measures; products add 数量 and leave the
    order-level amounts they do not have empty."""
    keys = [key for key, _, _ in MEASURES]
    # ～ (FULLWIDTH TILDE): what CP932 reads back, so both encodings hold the same text.
    yield ["合計", f"{report.period.date_from}\uff5e{report.period.date_to}",
           *(str(report.totals[k]) for k in keys), ""]
    unit = UNITS[report.period.unit]
    for attribute, section in SECTIONS:
        title = f"{section}（{unit}）" if attribute == "by_time" else section
        for row in getattr(report, attribute):
            yield [title, row.label, *(str(row.values[k]) for k in keys), ""]
    for product in report.by_product:
        cells = {"orders": str(product.orders), "subtotal": str(product.amount)}
        yield ["商品", f"{product.code} {product.name}",
               *(cells.get(k, "") for k in keys), str(product.quantity)]
