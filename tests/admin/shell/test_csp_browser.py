"""Hole 4 (issue #13) in a real browser: under the admin's strict Content-Security-Policy
every screen still works, and the browser reports no blocked script or style."""

from __future__ import annotations

from sqlalchemy import select

from models import MailTemplate, Newsletter, NewsletterKind, Order, Product


def test_admin_screens_run_under_the_csp_without_violations(admin_page, live_server, demo_shop,
                                                            db):
    violations: list[str] = []
    admin_page.on("console", lambda m: violations.append(m.text)
                  if "Content Security Policy" in m.text else None)
    order = db.scalar(select(Order).order_by(Order.id))
    product = db.scalar(select(Product).order_by(Product.id))
    template = db.scalar(select(MailTemplate).order_by(MailTemplate.id))
    newsletter = Newsletter(kind=NewsletterKind.DECO, subject="CSP", mail_from="s@example.jp",
                            body_html='<font color="red">赤</font>', body_text="赤")
    db.add(newsletter)
    db.commit()
    paths = ["/admin/", "/admin/orders", f"/admin/orders/{order.id}",
             f"/admin/orders/{order.id}/invoice", "/admin/products",
             f"/admin/products/{product.id}/edit", f"/admin/mail-templates/{template.id}/edit",
             f"/admin/newsletters/{newsletter.id}", f"/admin/newsletters/{newsletter.id}/edit",
             "/admin/settings", "/admin/account", "/admin/account/two-factor", "/admin/audit",
             f"/admin/preview?path=/product/{product.id}&carrier=docomo",
             f"/admin/preview?path=/product/{product.id}&carrier=softbank"]
    for path in paths:
        before = len(violations)
        admin_page.goto(f"{live_server.url}{path}")
        admin_page.wait_for_load_state("load")
        violations[before:] = [f"{path}: {v}" for v in violations[before:]]
    assert violations == [], "\n".join(v[:90] for v in violations)

    # The scripts that were inline handlers before still work: 納品書's 戻る goes back.
    admin_page.goto(f"{live_server.url}/admin/orders")
    admin_page.goto(f"{live_server.url}/admin/orders/{order.id}/invoice")
    admin_page.click("#back")
    admin_page.wait_for_url(f"{live_server.url}/admin/orders")
    # The confirm dialog of 取消 (a script with the nonce) still asks first.
    asked: list[str] = []
    admin_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    admin_page.locator("tr[data-order-no] button:enabled", has_text="取消").first.click()
    assert asked and "取り消してもよろしいですか" in asked[0]
    assert violations == [], "\n".join(v[:90] for v in violations)
