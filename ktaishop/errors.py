"""Error pages in Japanese; a user never sees a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, render_template_string, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from carrier_compat.flask import current_carrier
from carrier_compat.xhtml import error_page as keitai_error_page

from .extensions import db

log = logging.getLogger("ktaishop")

MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "このページを表示する権限がありません。",
    404: "お探しのページは見つかりませんでした。",
    405: "この操作はできません。",
    413: "ファイルが大きすぎます。",
    429: "操作が続けて行われたため、しばらくお待ちください。",
    500: "エラーが発生しました。しばらくしてからもう一度お試しください。",
}

PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>{{ code }} エラー</title></head>
<body><h1>エラー</h1><p>{{ message }}</p>
<p><a href="{{ home }}">{{ home_label }}</a></p></body></html>
"""


def error_page(code: int, message: str | None = None):
    """The error page for ``code``; a handset outside /admin/ gets XHTML-MP.

    Errors no blueprint handles (an unknown URL, a wrong method, a 500) land here;
    the keitai layer re-encodes every HTML response in the handset's charset, so an
    HTML5 page declaring UTF-8 would reach a docomo or au handset mislabelled and,
    as application/xhtml+xml, not even well-formed.
    """
    text = message or MESSAGES.get(code, "")
    in_admin = has_request_context() and request.path.startswith("/admin")
    if has_request_context() and not in_admin:
        carrier = current_carrier()
        if carrier.is_keitai:
            return keitai_error_page(carrier, "エラー", text), code
    # An admin whose screen expired goes back to the admin, not to the shop's top.
    home, label = ("/admin/", "管理画面のトップへ戻る") if in_admin else ("/", "トップへ戻る")
    return render_template_string(PAGE, code=code, message=text, home=home,
                                  home_label=label), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError):
        return error_page(
            400, "画面の有効期限が切れたか、不正な送信です。もう一度画面を開き直してください。"
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code, MESSAGES.get(error.code, error.description))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        log.exception("unexpected error", exc_info=error)
        db.session.rollback()
        return error_page(InternalServerError.code)
