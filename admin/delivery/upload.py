"""出荷結果登録 by CSV (P20): upload → preview of what the file will do → 確定 or 戻る.

Between the two steps the uploaded bytes wait in the instance folder under a random
id bound to the admin who uploaded them (``UPLOAD_DIR``, default
``<instance>/uploads``); 確定 reads the file again and re-judges it against the orders
as they are then, under row locks, and applies it in one transaction or not at all.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from admin import bp
from admin.common.records import actor
from ktaishop.extensions import db
from models import DomainError

from .forms import UploadConfirmForm, UploadForm
from .upload_plan import MAX_BYTES, ImportPlan, apply_plan, plan_import, without_cyclic_gc

KEEP_SECONDS = 24 * 3600  # an upload nobody confirmed is removed after a day
TOO_LARGE = "ファイルが大きすぎます（上限 10 MB）。ファイルを分けて登録してください。"


def upload_dir() -> Path:
    configured = current_app.config.get("UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(token: str) -> Path:
    return upload_dir() / f"shipping-{current_user.id}-{token}.csv"


def save_upload(data: bytes) -> str:
    """Keep ``data`` for the confirm step; returns its random id (32 hex digits)."""
    _sweep()
    token = secrets.token_hex(16)
    # 0600 whatever the umask: an order CSV holds customers' names and addresses.
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return token


def load_upload(token: str) -> bytes | None:
    path = _path(token)
    return path.read_bytes() if path.is_file() else None


def discard_upload(token: str) -> None:
    _path(token).unlink(missing_ok=True)


def _sweep() -> None:
    limit = time.time() - KEEP_SECONDS
    for old in upload_dir().glob("shipping-*.csv"):
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)


def _read_file() -> tuple[bytes | None, str | None]:
    """The uploaded bytes, or an error text (no file, over 10 MB)."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return None, TOO_LARGE
    if upload is None or not upload.filename:
        return None, "ファイルを選んでください（「参照」を押してCSVファイルを選びます）。"
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, TOO_LARGE
    return data, None


@bp.route("/delivery/upload", methods=["POST"])
def delivery_upload():
    """出荷結果登録: judge the file and show what it will do; nothing changes yet."""
    try:
        form = UploadForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        valid, form = True, None
    if not valid:
        flash("画面の有効期限が切れました。もう一度ファイルを選んでください。", "error")
        return redirect(url_for("admin.delivery"))
    data, error = _read_file()
    if data is None:
        flash(error or "", "error")
        return redirect(url_for("admin.delivery"))
    _end_request_transaction()
    session = db.new_session()
    try:
        plan = plan_import(session, data)
        session.expunge_all()  # the page reads the orders as judged, without the session
    finally:
        session.rollback()  # judged only: nothing to keep
        session.close()
    return _preview(plan, data, request.files["file"].filename or "")


def _end_request_transaction() -> None:
    """The import reads and writes in a session of its own; on SQLite the request's
    transaction (the login lookup) holds the write lock that session needs."""
    db.session.commit()  # nothing is pending; a commit keeps the logged-in admin loaded


def _preview(plan: ImportPlan, data: bytes, filename: str, changed: bool = False):
    token = save_upload(data) if plan.ok and (plan.to_ship or plan.to_update) else ""
    form = UploadConfirmForm(token=token, fingerprint=plan.fingerprint())
    return render_template("admin/delivery/upload.html", plan=plan, form=form,
                           filename=filename, changed=changed)


@bp.route("/delivery/upload/confirm", methods=["POST"])
def delivery_upload_confirm():
    """確定 applies the stored file in one transaction; 戻る forgets it."""
    form = UploadConfirmForm()
    if not form.validate_on_submit():
        flash("確認画面の有効期限が切れました。もう一度ファイルを選んでください。", "error")
        return redirect(url_for("admin.delivery"))
    token = form.token.data or ""
    if "back" in request.form:
        discard_upload(token)
        flash("出荷結果登録を取りやめました。", "info")
        return redirect(url_for("admin.delivery"))
    data = load_upload(token)
    if data is None:
        flash("この出荷結果登録はすでに確定済みか、有効期限が切れています。"
              "配送一覧で荷物状態を確認してください。", "error")
        return redirect(url_for("admin.delivery"))
    return _apply(data, token, form.fingerprint.data or "")


def _apply(data: bytes, token: str, fingerprint: str):
    """Re-judge the file under row locks and apply it, in a session of its own."""
    who = actor()
    _end_request_transaction()
    session = db.new_session()
    try:
        with without_cyclic_gc():  # the plan's objects are gone before it ends
            plan = plan_import(session, data, lock=True)
            if not plan.ok or plan.fingerprint() != fingerprint:
                session.expunge_all()  # keep what was read for the page, then let go
                session.rollback()
                discard_upload(token)
                return _preview(plan, data, "", changed=plan.ok)
            apply_plan(plan, who)
            session.commit()
            counts = plan.counts
            del plan
    except DomainError as error:
        session.rollback()
        flash(f"出荷結果を登録できませんでした（何も変更していません）: {error.message}", "error")
        return redirect(url_for("admin.delivery"))
    finally:
        session.close()
    discard_upload(token)
    flash(f"出荷結果を登録しました。出荷済 {counts['ship']} 件、伝票の更新 {counts['update']} 件、"
          f"変更なし {counts['unchanged']} 件、伝票番号が空のため対象外 {counts['skip']} 件。",
          "info")
    return redirect(url_for("admin.delivery"))
