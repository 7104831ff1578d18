"""Error pages in Japanese; a user never sees a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template_string
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
<body><h1>エラー</h1><p>{{ message }}</p><p><a href="/">トップへ戻る</a></p></body></html>
"""


def error_page(code: int, message: str | None = None):
    return render_template_string(PAGE, code=code, message=message or MESSAGES.get(code, "")), code


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
