"""Storefront error pages on the handset's face (400-499 and CSRF): XHTML-MP in the
keitai's charset, HTML5 for smartphones and PCs.

The app's own handlers (ktaishop.errors) keep 500 and everything outside the
storefront; a handset must not get an HTML5 UTF-8 page it cannot show.
"""

from __future__ import annotations

from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ktaishop.errors import MESSAGES

from . import bp
from .common import render

EXPIRED_FORM = "画面の有効期限が切れました。お手数ですが、もう一度操作してください。"


@bp.errorhandler(CSRFError)
def form_expired(_error: CSRFError) -> tuple[str, int]:
    return render("error.html", message=EXPIRED_FORM), 400


@bp.errorhandler(HTTPException)
def client_error(error: HTTPException) -> HTTPException | tuple[str, int]:
    code = error.code or 500
    if not 400 <= code < 500:
        return error
    message = error.description if code == 400 and error.description else MESSAGES.get(code)
    return render("error.html", message=message or MESSAGES[400]), code
