"""メール配信 (P27): メルマガ as テキストメール or デコメール - write, preview, test, send, watch.

A newsletter is a draft until sent now or scheduled; sending queues one outbox row
per subscriber (ktaishop.mail.newsletter_mail) and the worker does the rest. The detail
page shows per-carrier previews with sizes against limits, テスト送信, the send form,
and while sending a live progress bar (送信済/失敗/残り) with 一時停止/再開/中止.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from admin import bp
from admin.common.audit import audit
from admin.common.images import ImageRejected
from ktaishop.extensions import db, limiter
from ktaishop.mail import newsletter_mail
from ktaishop.mail.outbox import send_now
from ktaishop.ratelimit import TEST_MAIL_PER_ADDRESS, TEST_MAIL_PER_ADMIN
from models import DomainError, OutboxMessage, ShopSettings
from models import newsletter as rules
from models.mail import MailProfileName
from models.newsletter import (
    CARRIERS,
    Newsletter,
    NewsletterImage,
    NewsletterKind,
    NewsletterRecipient,
    NewsletterStatus,
)

from .newsletter_forms import (
    NEWSLETTER_FIELDS,
    ActionForm,
    ImageUploadForm,
    SendForm,
    TestSendForm,
    check_image,
    editor_html,
    editor_to_mail_html,
    newsletter_form,
    picker_emoji,
)
from .newsletter_preview import carrier_previews, size_reports
from .profiles import shop_profiles

PREVIEW_CARRIERS = ("docomo", "au", "softbank", "pc")
RECIPIENT_PAGE = 100
# An outbox row's state as 宛先ごとの状態 names it.
RECIPIENT_STATES = {"queued": "送信待ち", "sending": "送信中", "sent": "送信済", "failed": "失敗",
                    "cancelled": "中止"}


def _newsletter_or_404(newsletter_id: int) -> Newsletter:
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        abort(404)
    return newsletter


@bp.route("/newsletters")
def newsletters():
    """テキストメール / デコメール to create, and the history with counts."""
    items = db.session.scalars(select(Newsletter).order_by(Newsletter.id.desc())).all()
    for newsletter in items:
        if rules.finish_if_done(db.session, newsletter):
            db.session.commit()
    counts = {n.id: rules.progress(db.session, n) for n in items}
    return render_template("admin/newsletters/list.html", newsletters=items, counts=counts,
                           form=ActionForm(), carrier_labels=dict(CARRIERS),
                           mail_rate=current_app.config.get("MAIL_RATE", 0))


@bp.route("/newsletters/new/<kind>", methods=["POST"])
def newsletter_new(kind: str):
    """Create an empty draft of ``kind`` (text/deco) and open it for editing."""
    if kind not in (NewsletterKind.TEXT, NewsletterKind.DECO) or \
            not ActionForm().validate_on_submit():
        abort(400)
    newsletter = Newsletter(kind=kind, mail_from=ShopSettings.load(db.session).mail_from)
    db.session.add(newsletter)
    db.session.commit()
    return redirect(url_for("admin.newsletter_edit", newsletter_id=newsletter.id))


@bp.route("/newsletters/<id:newsletter_id>/edit", methods=["GET", "POST"])
def newsletter_edit(newsletter_id: int):
    newsletter = _newsletter_or_404(newsletter_id)
    if not newsletter.editable:
        flash("送信を始めたメルマガは編集できません。", "error")
        return redirect(url_for("admin.newsletter_detail", newsletter_id=newsletter.id))
    form = newsletter_form(newsletter)
    if form.validate_on_submit():
        newsletter.subject = form.subject.data.strip()
        newsletter.mail_from = form.mail_from.data.strip()
        newsletter.carriers = ",".join(form.carriers.data or [])
        newsletter.body_text = (form.body_text.data or "").replace("\r\n", "\n")
        if newsletter.is_deco:
            newsletter.body_html = editor_to_mail_html(newsletter, form.body_html.data or "")
        db.session.commit()
        flash("メルマガを保存しました。プレビューを確認してから送信してください。", "info")
        return redirect(url_for("admin.newsletter_detail", newsletter_id=newsletter.id))
    return render_template("admin/newsletters/edit.html", newsletter=newsletter, form=form,
                           fields=NEWSLETTER_FIELDS, emoji=picker_emoji(),
                           editor_html=editor_html(newsletter, form),
                           upload=ImageUploadForm())


@bp.route("/newsletters/<id:newsletter_id>/images", methods=["POST"])
def newsletter_image_upload(newsletter_id: int):
    """JSON ``{url, cid}`` of the uploaded image, or ``{error}`` with status 400."""
    newsletter = _newsletter_or_404(newsletter_id)
    form = ImageUploadForm()
    if not form.validate_on_submit() or not form.image.data or not newsletter.editable:
        return jsonify(error="画像を選んでください。"), 400
    try:
        prepared = check_image(form.image.data.read())
    except ImageRejected as rejected:
        return jsonify(error=str(rejected)), 400
    image = NewsletterImage(cid=f"img{len(newsletter.images) + 1}.{newsletter.id}@ktaishop",
                            filename=_safe_filename(form.image.data.filename, prepared.mimetype),
                            mimetype=prepared.mimetype, data=prepared.data)
    newsletter.images.append(image)
    db.session.commit()
    return jsonify(url=url_for("admin.newsletter_image", newsletter_id=newsletter.id,
                               image_id=image.id), cid=image.cid)


def _safe_filename(name: str | None, mimetype: str) -> str:
    stem = "".join(ch for ch in (name or "image").rsplit(".", 1)[0] if ch.isalnum())[:40]
    return f"{stem or 'image'}.{mimetype.split('/')[1].replace('jpeg', 'jpg')}"


@bp.route("/newsletters/<id:newsletter_id>/images/<id:image_id>")
def newsletter_image(newsletter_id: int, image_id: int):
    image = db.session.get(NewsletterImage, image_id)
    if image is None or image.newsletter_id != newsletter_id:
        abort(404)
    return Response(image.data, mimetype=image.mimetype,
                    headers={"X-Content-Type-Options": "nosniff"})


@bp.route("/newsletters/<id:newsletter_id>")
def newsletter_detail(newsletter_id: int):
    newsletter = _newsletter_or_404(newsletter_id)
    if rules.finish_if_done(db.session, newsletter):
        db.session.commit()
    shown = request.args.get("profile", "")  # プレビューの配信形式: "" is the shop's own
    if shown not in set(MailProfileName):
        shown = ""
    profiles = ({c: shown for c in PREVIEW_CARRIERS} if shown
                else {c: p.value for c, p in shop_profiles(PREVIEW_CARRIERS).items()})
    return render_template(
        "admin/newsletters/detail.html", newsletter=newsletter,
        previews=carrier_previews(newsletter, PREVIEW_CARRIERS, profiles),
        shown_profile=shown, profile_names=list(MailProfileName),
        audience=_audience(newsletter), progress=rules.progress(db.session, newsletter),
        test_form=TestSendForm(), send_form=SendForm(), form=ActionForm(),
        recipients=_recipients(newsletter, request.args.get("state", "")),
        state=request.args.get("state", ""), carrier_labels=dict(CARRIERS),
        state_labels=RECIPIENT_STATES)


def _audience(newsletter: Newsletter) -> dict[str, int]:
    """Subscribers now, per carrier, within the newsletter's 配信対象."""
    subscribers = rules.subscribers(newsletter.carrier_list).subquery()
    rows = db.session.execute(select(subscribers.c.carrier, func.count())
                              .group_by(subscribers.c.carrier)).all()
    return {carrier: count for carrier, count in rows}


def _recipients(newsletter: Newsletter, state: str) -> list:
    query = (select(NewsletterRecipient, OutboxMessage)
             .join(OutboxMessage, OutboxMessage.id == NewsletterRecipient.outbox_id)
             .where(NewsletterRecipient.newsletter_id == newsletter.id,
                    NewsletterRecipient.is_test.is_(False))
             .order_by(NewsletterRecipient.id).limit(RECIPIENT_PAGE))
    if state:
        query = query.where(OutboxMessage.status == state)
    return list(db.session.execute(query).all())


@bp.route("/newsletters/<id:newsletter_id>/progress")
def newsletter_progress(newsletter_id: int):
    """JSON for the live progress bar."""
    newsletter = _newsletter_or_404(newsletter_id)
    if rules.finish_if_done(db.session, newsletter):
        db.session.commit()
    progress = rules.progress(db.session, newsletter)
    recipients = _recipients(newsletter, request.args.get("state", ""))
    return jsonify(status=newsletter.status, label=newsletter.status_enum.label,
                   sent=progress.sent, failed=progress.failed, remaining=progress.remaining,
                   cancelled=progress.cancelled, total=progress.total,
                   recipients=[_recipient_row(r, m) for r, m in recipients])


def _recipient_row(recipient: NewsletterRecipient, message: OutboxMessage) -> dict[str, str]:
    """One line of 宛先ごとの状態 as the detail page shows it."""
    return {"email": recipient.email,
            "carrier": dict(CARRIERS).get(recipient.carrier, recipient.carrier),
            "state": RECIPIENT_STATES.get(message.status, message.status),
            "sent_at": f"{message.sent_at:%Y-%m-%d %H:%M:%S}" if message.sent_at else "",
            "error": message.last_error or ""}


def _test_address() -> str:
    return "test-mail:" + (request.form.get("address") or "").strip().lower()


def _admin_key() -> str:
    return f"admin:{current_user.get_id()}"


@bp.route("/newsletters/<id:newsletter_id>/test", methods=["POST"])
@limiter.limit(TEST_MAIL_PER_ADDRESS, key_func=_test_address)
@limiter.limit(TEST_MAIL_PER_ADMIN, key_func=_admin_key)
def newsletter_test(newsletter_id: int):
    """テスト送信 to one address, now (rate-limited per address and per admin)."""
    newsletter = _newsletter_or_404(newsletter_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        for error in form.address.errors:
            flash(error, "error")
        return _to_detail(newsletter)
    error = _sendable_problem(newsletter)
    if error is None:
        test = newsletter_mail.queue_test(db.session, newsletter, form.address.data.strip())
        error = send_now(db.session, test)
    audit("newsletter", newsletter.subject, f"テスト送信: {form.address.data.strip()}")
    db.session.commit()
    if error:
        flash(f"テスト送信できませんでした: {error}", "error")
    else:
        flash(f"{form.address.data.strip()} にテスト送信しました。", "info")
    return _to_detail(newsletter)


def _sendable_problem(newsletter: Newsletter) -> str | None:
    """Why this newsletter cannot go out as it is, or None."""
    if not newsletter.subject:
        return "件名が入力されていません。編集画面で入力してください。"
    if not newsletter.is_deco:
        return None
    targets = newsletter.carrier_list or [c for c, _ in CARRIERS]
    profiles = {c: p.value for c, p in shop_profiles(targets).items()}
    reports, problem = size_reports(newsletter, newsletter.body_text, profiles)
    if problem:
        return problem
    return next((reports[c].problem for c in targets if not reports[c].sendable), None)


def _to_detail(newsletter: Newsletter) -> Response:
    return redirect(url_for("admin.newsletter_detail", newsletter_id=newsletter.id))


@bp.route("/newsletters/<id:newsletter_id>/send", methods=["POST"])
def newsletter_send(newsletter_id: int):
    """Send now (queue every subscriber) or schedule."""
    # Locked and re-read: a worker starting this scheduled newsletter at the same
    # moment must not queue it a second time.
    newsletter = db.session.get(Newsletter, newsletter_id, with_for_update=True,
                                populate_existing=True)
    if newsletter is None:
        abort(404)
    form = SendForm()
    if not form.validate_on_submit():
        for error in form.scheduled_at.errors or ["送信日時を選んでください。"]:
            flash(error, "error")
        return _to_detail(newsletter)
    problem = _sendable_problem(newsletter) or (
        None if newsletter.editable else "このメルマガは送信済みか送信中です。")
    if problem:
        flash(problem, "error")
        return _to_detail(newsletter)
    when = form.send_at()
    if when is not None:
        newsletter.status, newsletter.scheduled_at = NewsletterStatus.SCHEDULED, when
        flash(f"{when:%Y-%m-%d %H:%M} に送信するよう予約しました。", "info")
        audit("newsletter", newsletter.subject, f"送信予約: {when:%Y-%m-%d %H:%M}")
    else:
        count = newsletter_mail.start(db.session, newsletter)
        flash(f"{count:,}人への送信を始めました。", "info")
        audit("newsletter", newsletter.subject, f"送信開始: {count:,}人")
    db.session.commit()
    return _to_detail(newsletter)


_ACTIONS = {
    "pause": (rules.pause, "一時停止しました。"),
    "resume": (rules.resume, "再開しました。"),
    "cancel": (rules.cancel, "中止しました。まだ送っていない分は送りません。"),
}


@bp.route("/newsletters/<id:newsletter_id>/<any(pause, resume, cancel):action>",
          methods=["POST"])
def newsletter_control(newsletter_id: int, action: str):
    """一時停止 / 再開 / 中止."""
    newsletter = _newsletter_or_404(newsletter_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rule, message = _ACTIONS[action]
    try:
        rule(db.session, newsletter)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_detail(newsletter)
    db.session.commit()
    flash(message, "info")
    return _to_detail(newsletter)


@bp.route("/newsletters/<id:newsletter_id>/resend", methods=["POST"])
def newsletter_resend(newsletter_id: int):
    """失敗分を再送: only the recipients whose mail failed, once more."""
    newsletter = _newsletter_or_404(newsletter_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rules.finish_if_done(db.session, newsletter)
    try:
        count = rules.resend_failed(db.session, newsletter)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_detail(newsletter)
    db.session.commit()
    flash(f"送信に失敗した{count:,}人に再送します。" if count else "再送する宛先はありません。",
          "info")
    return _to_detail(newsletter)
