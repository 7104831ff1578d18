"""メール設定's メール種別について names every kind of mail the shop sends to a buyer."""

from __future__ import annotations

import re


def test_kinds_help_explains_the_guest_confirmation(admin_client):
    page = admin_client.get("/admin/mail-templates").get_data(as_text=True)
    help_table = page.split("メール種別について")[1]
    kinds = re.findall(r"<tr><th>([^<]+)</th>", help_table)
    assert kinds == ["受注確認", "出荷通知", "仮注文確認", "汎用メール"]
    assert "注文を確定するためのURL" in help_table
