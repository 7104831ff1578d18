"""顧客管理 (P26): search, detail with orders, edit, 停止/退会, CSV for Excel."""

from __future__ import annotations

from sqlalchemy import select

from models import Member, MemberStatus, Order
from tests.admin.conftest import form_token


def _member(db, email: str) -> Member:
    return db.scalar(select(Member).where(Member.email == email))


def test_search_by_each_field(admin_client, small_shop, db):
    members = db.scalars(select(Member).order_by(Member.id)).all()
    target = members[0]
    name, kana, email, tel = target.name, target.kana, target.email, target.tel
    db.commit()
    for query in (f"name={name}", f"kana={kana}", f"email={email}", f"tel={tel}"):
        page = admin_client.get(f"/admin/members?{query}").get_data(as_text=True)
        assert email in page, query
    page = admin_client.get("/admin/members?carrier=au").get_data(as_text=True)
    assert "@ezweb.ne.jp" in page and "@docomo.ne.jp" not in page
    page = admin_client.get("/admin/members?newsletter=0").get_data(as_text=True)
    assert "該当する会員はいません。" in page
    page = admin_client.get("/admin/members?name=%25").get_data(as_text=True)
    assert "該当する会員はいません。" in page  # "%" is a character, not a wildcard


def test_detail_lists_the_members_orders(admin_client, small_shop, db):
    member = db.scalars(select(Member).order_by(Member.id)).first()
    orders = db.scalars(select(Order).where(Order.member_id == member.id)).all()
    member_id, order_nos = member.id, [o.order_no for o in orders]
    db.commit()
    page = admin_client.get(f"/admin/members/{member_id}").get_data(as_text=True)
    assert order_nos and all(no in page for no in order_nos)
    assert f"注文履歴（{len(order_nos)} 件）" in page


def test_edit_member_and_refuse_a_taken_address(admin_client, small_shop, db):
    first, second = db.scalars(select(Member).order_by(Member.id)).all()[:2]
    first_id, taken = first.id, second.email
    db.commit()
    url = f"/admin/members/{first_id}/edit"
    data = {"csrf_token": form_token(admin_client, url), "name": "山田 花子",
            "kana": "ヤマダ ハナコ", "email": taken, "tel": "090-1111-2222",
            "zip_code": "100-0001", "address": "東京都千代田区", "carrier": "docomo"}
    page = admin_client.post(url, data=data).get_data(as_text=True)
    assert "このメールアドレスはほかの会員が使っています。" in page
    data["email"] = "hanako..yamada.@docomo.ne.jp"  # a real old docomo address
    response = admin_client.post(url, data=data, follow_redirects=True)
    assert "会員「山田 花子」の登録情報を変更しました。" in response.get_data(as_text=True)
    db.expire_all()
    member = db.get(Member, first_id)
    assert (member.name, member.email, member.tel, member.newsletter) == (
        "山田 花子", "hanako..yamada.@docomo.ne.jp", "090-1111-2222", False)


def test_suspend_withdraw_and_reactivate(admin_client, small_shop, db):
    member = db.scalars(select(Member).order_by(Member.id)).first()
    member.subscriber_carrier, member.subscriber_id = "docomo", "AB12CD3"
    member_id = member.id
    db.commit()
    url = f"/admin/members/{member_id}"
    token = form_token(admin_client, url)
    page = admin_client.post(f"{url}/status", data={"csrf_token": token, "status": "suspended"},
                             follow_redirects=True).get_data(as_text=True)
    assert "を「停止」にしました。" in page
    admin_client.post(f"{url}/status", data={"csrf_token": token, "status": "withdrawn"})
    db.expire_all()
    member = db.get(Member, member_id)
    assert member.status == MemberStatus.WITHDRAWN
    assert not member.newsletter and member.subscriber_id is None
    db.commit()
    admin_client.post(f"{url}/status", data={"csrf_token": token, "status": "active"})
    db.expire_all()
    assert db.get(Member, member_id).status == MemberStatus.ACTIVE
    db.commit()
    bad = admin_client.post(f"{url}/status", data={"csrf_token": token, "status": "deleted"})
    assert bad.status_code == 400


def test_csv_is_cp932_crlf_and_neutralises_formulas(admin_client, small_shop, db):
    member = db.scalars(select(Member).order_by(Member.id)).first()
    member.name = "=cmd|' /C calc'!A0"
    member.address = "東京都港区①丁目"
    db.commit()
    response = admin_client.get("/admin/members/download?carrier=" + member.carrier)
    text = response.data.decode("cp932")
    assert text.startswith("会員ID,氏名,カナ,メールアドレス,電話番号")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "'=cmd|' /C calc'!A0" in text
    assert "東京都港区①丁目" in text
    assert ",090" in text  # phone numbers stay plain
    utf8 = admin_client.get("/admin/members/download?encoding=utf-8-sig").data
    assert utf8.startswith(b"\xef\xbb\xbf")
