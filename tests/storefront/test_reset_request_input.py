"""パスワード再設定: an empty or malformed address is answered on the form, not with
「お送りしました」 (the shopper would wait for a mail that can never come)."""

from __future__ import annotations

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import OutboxMessage

from .shop import AU_UA, DOCOMO_UA, Shopper, seed_shop


def test_reset_request_rejects_empty_and_malformed_addresses_on_the_form(app):
    seed_shop(app)
    for user_agent in (DOCOMO_UA, AU_UA):
        phone = Shopper(app, user_agent, cookies=user_agent == AU_UA)
        form = phone.get("/password/reset")
        for typed, message in [
            ("", "メールアドレスを入力してください。"),
            ("taro@", "メールアドレスの形式が正しくありません。"),
            ("<script>alert(1)</script>", "メールアドレスの形式が正しくありません。"),
        ]:
            page = phone.submit(form, {"email": typed})
            assert message in page.text, typed
            assert "お送りしました" not in page.text, typed
            assert "<script>" not in page.text
            assert 'name="email"' in page.text  # the form again, to correct the address
    # docomo's non-RFC local part is an address like any other: the usual answer.
    page = phone.submit(form, {"email": "a..b.@docomo.ne.jp"})
    assert "お送りしました" in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
