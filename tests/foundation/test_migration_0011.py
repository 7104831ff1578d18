"""Migration 0011 (issue #19) on a shop with data: addresses made canonical where that
gives no mailbox to two members, what card orders were authorised for, and a withdrawn
member's address free for a new registration."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from ktaishop.migrate import upgrade

from .test_tax import old_database  # noqa: F401  (the fixture: an empty database per kind)

MEMBER = ("INSERT INTO members (email, name, kana, tel, zip_code, address, carrier, newsletter,"
          " status, bounced, created_at, updated_at, password_hash) VALUES (:email, '会員', '',"
          " '', '', '', 'pc', TRUE, :status, FALSE, '2025-01-01 10:00:00',"
          " '2025-01-01 10:00:00', '')")
ORDER = ("INSERT INTO orders (id, order_no, ordered_at, status, carrier, purchaser_name,"
         " purchaser_kana, purchaser_tel, purchaser_email, purchaser_zip, purchaser_address,"
         " recipient_name, recipient_kana, recipient_tel, recipient_zip, recipient_address,"
         " delivery_time, wrapping, note, subtotal, cod_fee, shipping_fee, wrapping_fee, total,"
         " memo, instructed_by_download, payment_method, payment_status, payment_reference,"
         " paid_amount, refund_due) VALUES (:id, :no, '2025-01-01 10:00:00', :status, 'pc',"
         " '山田', '', '', 'a@example.com', '', '', '山田', '', '', '', '', '', '', '', 2000, 0,"
         " 800, 0, 2800, '', FALSE, 'card', :payment, 'SBX-1', :paid, 0)")


def test_migration_0011_keeps_every_member_and_order_consistent(old_database):  # noqa: F811
    url = old_database
    upgrade(url, "0010")  # the schema just before 0011
    engine = create_engine(url)
    with engine.begin() as conn:
        for email, status in (('"takahashi"@I.SoftBank.jp', "suspended"),
                              ("Sato@DoCoMo.ne.jp", "active"),
                              ("sato@docomo.ne.jp", "active"),  # one mailbox, two members
                              ("gone@docomo.ne.jp", "withdrawn")):
            conn.execute(text(MEMBER), {"email": email, "status": status})
        conn.execute(text(ORDER), {"id": 1, "no": "20250101_0000000001", "status": "completed",
                                   "payment": "決済完了", "paid": 2800})
        conn.execute(text(ORDER), {"id": 2, "no": "20250101_0000000002",
                                   "status": "provisional", "payment": "与信済", "paid": 0})
    upgrade(url)
    with engine.connect() as conn:
        emails = conn.execute(text("SELECT email FROM members ORDER BY id")).scalars().all()
        assert emails == ["takahashi@i.softbank.jp", "Sato@docomo.ne.jp", "sato@docomo.ne.jp",
                          "gone@docomo.ne.jp"]
        assert conn.execute(text("SELECT authorised_amount, refunded_amount, fee_rules"
                                 " FROM orders ORDER BY id")).all() == [(2800, 0, None),
                                                                        (2800, 0, None)]
    with engine.begin() as conn:  # 退会 freed the address: a new member may take it
        conn.execute(text(MEMBER), {"email": "gone@docomo.ne.jp", "status": "active"})
    with pytest.raises(IntegrityError), engine.begin() as conn:  # but only one current holder
        conn.execute(text(MEMBER), {"email": "gone@docomo.ne.jp", "status": "active"})
    engine.dispose()
