"""注文一覧's search beyond the manual: by product (name or code, in the keyword box), by
member or guest, and by the carrier the order came from."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from models import Member

from .support import add_product, list_rows, place


@pytest.fixture
def orders(db):
    """A mug bought by a docomo member, a T-shirt by a guest on a smartphone, both by a
    third on au; one line of the last order is 取消 (still found by its name)."""
    mug = add_product(db, "MUG-01", name="星のマグカップ")
    tee = add_product(db, "TEE-02", name="ロゴTシャツ")
    member = Member(email="ryoko@docomo.ne.jp", name="小林 亮子", carrier="docomo")
    db.add(member)
    db.flush()
    first = place(db, mug, name="小林 亮子")
    first.member_id, first.carrier = member.id, "docomo"
    second = place(db, tee, name="佐藤 花子")
    second.member_id, second.carrier = None, "smartphone"
    third = place(db, [mug, tee], name="山田 太郎")
    third.member_id, third.carrier = member.id, "au"
    db.commit()
    return first, second, third


def names(client, query: str) -> list[str]:
    page = client.get(f"/admin/orders?{query}").get_data(as_text=True)
    return sorted(row["購入者"] for row in list_rows(page))


def test_keyword_finds_orders_by_product_name_or_code(admin_client, orders):
    assert names(admin_client, f"keyword={quote('マグカップ')}") == ["小林 亮子", "山田 太郎"]
    assert names(admin_client, "keyword=tee-02") == ["佐藤 花子", "山田 太郎"]  # code, any case
    # Terms narrow each other, across the purchaser and the items.
    assert names(admin_client, f"keyword={quote('山田 ロゴ')}") == ["山田 太郎"]
    assert names(admin_client, f"keyword={quote('佐藤 マグ')}") == []


def test_member_or_guest_and_carrier(admin_client, orders):
    assert names(admin_client, "buyer=guest") == ["佐藤 花子"]
    assert names(admin_client, "buyer=member") == ["小林 亮子", "山田 太郎"]
    assert names(admin_client, "carrier=docomo&carrier=au") == ["小林 亮子", "山田 太郎"]
    assert names(admin_client, "carrier=smartphone&buyer=member") == []
    assert names(admin_client, "carrier=nonsense&buyer=alien") == [
        "佐藤 花子", "小林 亮子", "山田 太郎"]  # unknown values are ignored, not a 500
    page = admin_client.get("/admin/orders?carrier=au&buyer=member").get_data(as_text=True)
    assert 'value="au" checked' in page and 'value="member" checked' in page
    download = admin_client.get("/admin/orders/download?carrier=au&encoding=utf-8-sig")
    assert download.data.decode("utf-8-sig").count("\r\n") == 2  # the header and 山田's order
