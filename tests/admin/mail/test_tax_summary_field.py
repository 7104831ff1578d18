"""The {{tax_summary}} merge field: offered in 差込情報, filled per rate in the preview."""

from __future__ import annotations

from models import CartLine, CheckoutDetails, Person, Product, TaxRate, Variant, place_order
from tests.conftest import csrf_token_from

from .test_templates import _add_general, _page


def test_tax_summary_is_offered_and_filled_from_the_order(admin_client, db):
    template_id, _ = _add_general(admin_client)
    edit = _page(admin_client, f"/admin/mail-templates/{template_id}/edit")
    assert 'data-field="{{tax_summary}}"' in edit and "税率別の対象額と消費税" in edit
    tea = Product(code="tea", name="緑茶", price=1080, tax_rate=TaxRate.REDUCED,
                  variants=[Variant(stock=5)])
    db.add(tea)
    db.flush()
    details = CheckoutDetails(purchaser=Person("山田 太郎", email="taro@docomo.ne.jp"))
    order = place_order(db, [CartLine(tea.variants[0].id, 1)], details, guest=False).order
    db.commit()
    token = csrf_token_from(_page(admin_client, "/admin/mail-templates"))
    result = admin_client.post("/admin/mail-templates/preview", data={
        "csrf_token": token, "subject": "受注", "mail_from": "shop@example.jp",
        "body": "{{items}}\n{{tax_summary}}", "order_no": order.order_no}).get_json()
    assert result["errors"] == []
    # 緑茶 1,080 at 8% → 80; 配送料 800 + 代引き手数料 315 at 10%: 1,115 → 101.
    assert result["body"] == ("緑茶※ 1,080円 × 1\n"
                              "8%対象 1,080円（うち消費税 80円）\n"
                              "10%対象 1,115円（うち消費税 101円）\n"
                              "※は軽減税率対象商品です")
