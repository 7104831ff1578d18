"""操作ログ 検索: entries newest first, by date range, admin, action and keyword.

There is no screen (and no route) that edits or deletes an entry.
"""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from admin import bp
from ktaishop.extensions import db
from ktaishop.paging import Page, requested_page
from models.audit import ACTIONS, AuditQuery, actors

PER_PAGE = 50


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField("日付（から）", validators=[Optional()])
    date_to = DateField("日付（まで）", validators=[Optional()])
    actor = SelectField("管理ユーザー", validate_choice=False)
    action = SelectField("操作", choices=[SelectChoice("", "すべて")] + [
        SelectChoice(key, label) for key, label in ACTIONS.items()])
    keyword = StringField("キーワード", validators=[Length(max=100)])

    def query(self) -> AuditQuery:
        valid = self.validate()
        return AuditQuery(
            date_from=self.date_from.data if valid else None,
            date_to=self.date_to.data if valid else None,
            actor=self.actor.data or "", action=self.action.data or "",
            keyword=(self.keyword.data or "").strip()[:100])


@bp.route("/audit")
def audit_log():
    form = AuditSearchForm(request.args)
    form.actor.choices = [SelectChoice("", "すべて")] + [
        SelectChoice(name, name) for name in actors(db.session) if name]
    search = form.query()
    statement = search.select()
    total = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    page = Page.of(requested_page(request.args), PER_PAGE, total)
    entries = db.session.scalars(page.apply(statement)).all()
    errors = [e for field in (form.date_from, form.date_to) for e in field.errors]
    return render_template("admin/audit/list.html", form=form, entries=entries, page=page,
                           errors=["日付はYYYY-MM-DDの形で入力してください。"] if errors else [],
                           query_args={k: v for k, v in request.args.items() if k != "page"})
