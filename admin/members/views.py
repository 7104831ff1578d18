"""顧客管理 (P26): member list with search, detail with their orders, edit, 停止/退会, CSV.

The CSV uses the order CSV's rules (admin.common.csv_write): CP932 or UTF-8 with BOM, CRLF and
every formula-like cell neutralised. Members are streamed in id batches, so a list of
tens of thousands never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from admin import bp
from admin.common.audit import audit, changed_fields
from admin.common.csv_write import CP932, ENCODINGS, content_disposition, csv_chunks
from carrier_compat.address import address_key, canonical_address
from ktaishop.extensions import db
from ktaishop.paging import Page, requested_page
from models import Member, MemberStatus, Order, now

PER_PAGE = 50
TAKEN = "このメールアドレスはほかの会員が使っています。"
CARRIERS = [("docomo", "docomo"), ("au", "au"), ("softbank", "SoftBank"),
            ("willcom", "WILLCOM"), ("smartphone", "スマートフォン"), ("pc", "PC")]
CSV_HEADER = ("会員ID", "氏名", "カナ", "メールアドレス", "電話番号", "郵便番号", "住所",
              "キャリア", "メルマガ", "状態", "登録日時", "更新日時")


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MemberSearchForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("氏名")
    kana = StringField("カナ")
    email = StringField("メール")
    tel = StringField("電話")
    carrier = SelectField("キャリア", choices=_choices([("", "すべて"), *CARRIERS]))
    newsletter = SelectField("メルマガ", choices=_choices(
        [("", "すべて"), ("1", "受信する"), ("0", "受信しない")]))
    status = SelectField("状態", choices=_choices(
        [("", "すべて")] + [(s.value, s.label) for s in MemberStatus]))


class MemberForm(FlaskForm):
    name = StringField("氏名", validators=[DataRequired("氏名を入力してください。"),
                                           Length(max=100, message="氏名は100文字以内です。")])
    kana = StringField("カナ", validators=[Length(max=100, message="カナは100文字以内です。")])
    email = StringField("メールアドレス", validators=[
        DataRequired("メールアドレスを入力してください。"),
        # Not RFC-strict: old docomo addresses such as "taro..hanako.@docomo.ne.jp" are real.
        Regexp(r"^[^@\s]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$",
               message="メールアドレスの形式が正しくありません。"),
        Length(max=254, message="メールアドレスが長すぎます。")])
    tel = StringField("電話番号", validators=[Optional(), Regexp(
        r"^[0-9\-]{1,20}$", message="電話番号は半角数字とハイフンで入力してください。")])
    zip_code = StringField("郵便番号", validators=[Optional(), Regexp(
        r"^[0-9]{3}-?[0-9]{4}$", message="郵便番号は7桁の半角数字で入力してください。")])
    address = StringField("住所", validators=[Length(max=200, message="住所は200文字以内です。")])
    carrier = SelectField("キャリア", choices=_choices(CARRIERS))
    newsletter = BooleanField("メルマガを受信する")


def _search_query(search: MemberSearchForm):
    query = select(Member)
    for field, column in (("name", Member.name), ("kana", Member.kana),
                          ("email", Member.email)):
        if text := (getattr(search, field).data or "").strip():
            query = query.where(column.contains(text, autoescape=True))
    if tel := (search.tel.data or "").strip():
        digits = tel.replace("-", "")
        query = query.where(or_(Member.tel.contains(tel, autoescape=True),
                                func.replace(Member.tel, "-", "").contains(digits,
                                                                           autoescape=True)))
    if search.carrier.data:
        query = query.where(Member.carrier == search.carrier.data)
    if search.newsletter.data in ("0", "1"):
        query = query.where(Member.newsletter.is_(search.newsletter.data == "1"))
    if search.status.data:
        query = query.where(Member.status == search.status.data)
    return query


@bp.route("/members")
def members():
    search = MemberSearchForm(request.args)
    query = _search_query(search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = Page.of(requested_page(request.args), PER_PAGE, total)
    rows = db.session.scalars(page.apply(query.order_by(Member.id.desc()))).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/members/list.html", search=search, members=rows,
                           total=total, page=page.number, pages=page.pages, args=args,
                           carriers=dict(CARRIERS), encodings=ENCODINGS)


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/members/<id:member_id>")
def member_detail(member_id: int):
    member = _member_or_404(member_id)
    orders = db.session.scalars(select(Order).where(Order.member_id == member.id)
                                .order_by(Order.ordered_at.desc(), Order.id.desc())).all()
    return render_template("admin/members/detail.html", member=member, orders=orders,
                           carriers=dict(CARRIERS), statuses=list(MemberStatus))


@bp.route("/members/<id:member_id>/edit", methods=["GET", "POST"])
def member_edit(member_id: int):
    member = _member_or_404(member_id)
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        email, old_email = canonical_address(form.email.data), member.email
        if _address_taken(email, member.id):
            form.email.errors.append(TAKEN)
        else:
            form.populate_obj(member)
            member.email = old_email
            member.change_email(email, member.carrier)  # links mailed before it end
            member.name = member.name.strip()
            audit("member", f"{member.id} {member.name}", changed_fields(member))
            db.session.commit()
            flash(f"会員「{member.name}」の登録情報を変更しました。", "info")
            return redirect(url_for("admin.member_detail", member_id=member.id))
    return render_template("admin/members/edit.html", member=member, form=form)


def _address_taken(email: str, member_id: int) -> bool:
    """Whether another member (not withdrawn) holds ``email`` in any spelling."""
    return db.session.scalar(select(Member.id).where(
        func.lower(Member.email) == address_key(email), Member.id != member_id,
        Member.status != MemberStatus.WITHDRAWN)) is not None


@bp.route("/members/<id:member_id>/status", methods=["POST"])
def member_status(member_id: int):
    """停止 / 退会 / 有効に戻す (the buttons on the detail page)."""
    member = _member_or_404(member_id)
    form = FlaskForm()
    try:
        status = MemberStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if not form.validate_on_submit():
        abort(400)
    if status != MemberStatus.WITHDRAWN and _address_taken(member.email, member.id):
        # A withdrawn member's address was registered again by someone new (退会 frees it).
        flash(f"会員「{member.name}」のメールアドレスは、退会後に別の会員が登録しているため、"
              "有効に戻せません。", "error")
        return redirect(url_for("admin.member_detail", member_id=member.id))
    member.change_status(status)
    audit("member", f"{member.id} {member.name}", f"状態: {status.label}")
    db.session.commit()
    flash(f"会員「{member.name}」を「{status.label}」にしました。", "info")
    return redirect(url_for("admin.member_detail", member_id=member.id))


@bp.route("/members/download")
def members_download():
    """The members of the current search as CSV (nothing changes)."""
    search = MemberSearchForm(request.args)
    encoding = request.args.get("encoding", CP932)
    if encoding not in ENCODINGS:
        encoding = CP932
    ids = list(db.session.scalars(_search_query(search).with_only_columns(Member.id)
                                  .order_by(Member.id)))
    filename = f"members_{now():%Y%m%d_%H%M%S}.csv"
    audit("csv_download", "会員 ダウンロード", f"{len(ids)}件")
    # End this request's read now: on SQLite the streaming session below needs the lock.
    db.session.commit()
    rows = _rows(db.engine, ids)
    return Response(csv_chunks(CSV_HEADER, rows, encoding), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(filename)})


def _rows(engine: Engine, ids: list[int], batch: int = 1000) -> Iterator[list[str]]:
    """CSV rows, read in batches by a session of their own: the response streams after
    the request (and its session and app context) has ended."""
    labels = dict(CARRIERS)
    with Session(bind=engine) as session:
        for start in range(0, len(ids), batch):
            chunk = session.scalars(select(Member).where(Member.id.in_(ids[start:start + batch]))
                                    .order_by(Member.id)).all()
            for m in chunk:
                yield [str(m.id), m.name, m.kana, m.email, m.tel, m.zip_code, m.address,
                       labels.get(m.carrier, m.carrier),
                       "受信する" if m.newsletter else "受信しない",
                       m.status_label, f"{m.created_at:%Y-%m-%d %H:%M:%S}",
                       f"{m.updated_at:%Y-%m-%d %H:%M:%S}"]
            session.expunge_all()
