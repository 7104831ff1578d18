"""商品情報 through the admin (test client): options and stock, shelves, edit, delete, list."""

from __future__ import annotations

from sqlalchemy import select

from models import (
    CartLine,
    CheckoutDetails,
    Order,
    Person,
    Product,
    Variant,
    place_order,
)
from tests.admin.catalog.images import gif, jpeg_with_gps, png
from tests.admin.conftest import form_token, image_files, product_data, upload


def _create(admin_client, shelves, **overrides):
    token = form_token(admin_client, "/admin/products/new")
    data = product_data(token, shelves=[str(shelves[0]), str(shelves[1])], **overrides)
    return admin_client.post("/admin/products/new", data=data,
                             content_type="multipart/form-data")


def test_new_product_with_options_images_and_shelves(admin_client, db, shelves, app):
    response = _create(admin_client, shelves, image1=upload(png(), "front.png"),
                       image2=upload(jpeg_with_gps(), "DSC0001.JPG"),
                       image3=upload(gif(), "icon.gif"))
    assert response.status_code == 302, response.get_data(as_text=True)
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    assert product.name == "星柄Tシャツ" and product.price == 2500 and product.priority == 10
    assert [s.name for s in product.shelves] == ["Tシャツ", "セール"]
    assert product.option_axes == [{"name": "サイズ", "values": ["S", "M"]},
                                   {"name": "カラー", "values": ["白", "黒"]}]
    assert [(v.option_text, v.stock) for v in product.variants] == [
        ("サイズ:S カラー:白", 5), ("サイズ:S カラー:黒", 0),
        ("サイズ:M カラー:白", 12), ("サイズ:M カラー:黒", 3)]
    assert [name.rsplit(".", 1)[1] for name in product.images] == ["png", "jpg", "gif"]
    db.commit()  # end the read: SQLite lets one transaction at a time hold the lock
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "商品「星柄Tシャツ」を登録しました。" in page
    thumb = admin_client.get(f"/admin/products/images/{product.image2}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_uploaded_photo_loses_its_gps_and_camera_metadata(admin_client, db, shelves, app):
    from PIL import Image

    _create(admin_client, shelves, image1=upload(jpeg_with_gps(), "DSC0001.JPG"))
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    stored = [p for p in image_files(app) if p.name == product.image1][0]
    raw = stored.read_bytes()
    assert b"SecretPhone" not in raw and b"KtaiCam" not in raw and b"taken at home" not in raw
    with Image.open(stored) as image:
        assert image.size == (640, 480)
        assert not image.getexif()


def test_edit_keeps_variant_ids_and_untouched_stock(admin_client, db, shelves):
    _create(admin_client, shelves)
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    ids = {v.option_text: v.id for v in product.variants}
    url = f"/admin/products/{product.id}/edit"
    db.commit()
    token = form_token(admin_client, url)
    # A shopper buys 2 of M/白 while the admin has the form open (it showed 12).
    db.execute(Variant.__table__.update().where(Variant.id == ids["サイズ:M カラー:白"])
               .values(stock=10))
    db.commit()
    data = product_data(token, **{"axis-0-values": "S,M,L"}, rebuild="1")
    del data["save"]
    page = admin_client.post(url, data=data).get_data(as_text=True)
    assert "サイズ:L カラー:黒" in page  # the grid now has six rows
    data = product_data(token, **{"axis-0-values": "S,M,L"})
    shown = {"サイズ:S カラー:白": "5", "サイズ:S カラー:黒": "0", "サイズ:M カラー:白": "12",
             "サイズ:M カラー:黒": "3"}
    combos = ["サイズ:S カラー:白", "サイズ:S カラー:黒", "サイズ:M カラー:白",
              "サイズ:M カラー:黒", "サイズ:L カラー:白", "サイズ:L カラー:黒"]
    changed = {"サイズ:S カラー:白": "7", "サイズ:L カラー:白": "4"}
    for k, combo in enumerate(combos):
        typed = changed.get(combo, shown.get(combo, "0"))
        data |= {f"combo-{k}": combo, f"stock-{k}": typed, f"stock-{k}-was": shown.get(combo, "")}
    assert admin_client.post(url, data=data).status_code == 302
    db.expire_all()
    product = db.get(Product, product.id)
    stock = {v.option_text: (v.id, v.stock) for v in product.variants}
    assert stock["サイズ:S カラー:白"] == (ids["サイズ:S カラー:白"], 7)
    assert stock["サイズ:M カラー:白"] == (ids["サイズ:M カラー:白"], 10)  # the sale survives
    assert stock["サイズ:L カラー:白"][1] == 4 and stock["サイズ:L カラー:黒"][1] == 0
    assert len(stock) == 6


def test_changed_options_without_rebuilding_the_grid_save_nothing(admin_client, db, shelves):
    _create(admin_client, shelves)
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    url = f"/admin/products/{product.id}/edit"
    db.commit()
    data = product_data(form_token(admin_client, url), name="別の名前",
                        **{"axis-1-values": "白,黒,赤"})
    response = admin_client.post(url, data=data)
    assert response.status_code == 400
    assert "「在庫欄を作り直す」を押してから" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Product, product.id).name == "星柄Tシャツ"


def test_required_fields_and_numbers_get_japanese_messages(admin_client, db, shelves):
    token = form_token(admin_client, "/admin/products/new")
    response = admin_client.post("/admin/products/new", data=product_data(
        token, name="", price="abc", **{"stock-0": "-1"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "商品名を入力してください。" in page
    assert "販売価格を半角数字で入力してください。" in page
    assert "サイズ:S カラー:白: 在庫数は0〜999,999の半角数字で入力してください。" in page
    assert db.scalar(select(Product)) is None


def test_duplicate_code_is_refused(admin_client, db, shelves):
    _create(admin_client, shelves)
    response = _create(admin_client, shelves, name="別の商品")
    assert response.status_code == 400
    assert "コード「tee001」はほかの商品で使われています。" in response.get_data(as_text=True)
    assert len(db.scalars(select(Product)).all()) == 1


def test_product_without_options_has_one_stock_and_an_automatic_code(admin_client, db):
    token = form_token(admin_client, "/admin/products/new")
    data = {"csrf_token": token, "name": "ハンカチ", "price": "500", "stock_display": "low",
            "published": "y", "combo-0": "", "stock-0": "８", "stock-0-was": "", "save": "1"}
    assert admin_client.post("/admin/products/new", data=data).status_code == 302
    product = db.scalar(select(Product).where(Product.name == "ハンカチ"))
    assert product.code == f"goods{product.id:06d}"
    assert [(v.option_text, v.stock) for v in product.variants] == [("", 8)]
    assert product.stock_display == "low"


def _order(db, product: Product) -> Order:
    details = CheckoutDetails(purchaser=Person("山田 太郎", "ヤマダ タロウ", "09012345678",
                                               "taro@docomo.ne.jp", "1000001", "東京都"))
    placed = place_order(db, [CartLine(product.variants[0].id, 1)], details, guest=False)
    db.commit()
    return placed.order


def test_deleting_an_ordered_product_hides_it_and_keeps_history(admin_client, db, shelves):
    _create(admin_client, shelves)
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    order = _order(db, product)
    token = form_token(admin_client, "/admin/products")
    response = admin_client.post(f"/admin/products/{product.id}/delete",
                                 data={"csrf_token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "注文されたことがあるため、非公開にして一覧から外しました" in page
    assert "星柄Tシャツ" not in page.split("<table class=\"products\">")[1]
    db.expire_all()
    product = db.get(Product, product.id)
    assert product.deleted and not product.published
    assert db.get(Order, order.id).items[0].name == "星柄Tシャツ"
    assert db.get(Order, order.id).items[0].product_id == product.id


def test_deleting_a_never_ordered_product_removes_it_and_its_images(admin_client, db, shelves,
                                                                     app):
    _create(admin_client, shelves, image1=upload(png(), "a.png"))
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    db.commit()
    admin_client.get(f"/admin/products/images/{product.image1}")  # make the thumbnail
    assert len(image_files(app)) == 2
    token = form_token(admin_client, "/admin/products")
    admin_client.post(f"/admin/products/{product.id}/delete", data={"csrf_token": token})
    db.expire_all()
    assert db.scalar(select(Product)) is None
    assert image_files(app) == []


def test_list_searches_by_name_code_shelf_and_published(admin_client, small_shop):
    page = admin_client.get("/admin/products?name=Tシャツ").get_data(as_text=True)
    assert "カラフル星Tシャツ" in page
    page = admin_client.get("/admin/products?code=goods000012").get_data(as_text=True)
    assert "1 件" in page
    page = admin_client.get("/admin/products?published=0").get_data(as_text=True)
    assert "該当する商品はありません。" in page
    page = admin_client.get("/admin/products?name=存在しない商品").get_data(as_text=True)
    assert "該当する商品はありません。" in page


def test_list_pages_thirty_at_a_time(admin_client, db):
    for n in range(65):
        db.add(Product(code=f"p{n:03d}", name=f"商品{n:03d}", price=100, priority=0,
                       variants=[Variant(option_text="", stock=1)]))
    db.commit()
    first = admin_client.get("/admin/products").get_data(as_text=True)
    assert "65 件（1 / 3 ページ）" in first and "商品064" in first and "商品034" not in first
    last = admin_client.get("/admin/products?page=3").get_data(as_text=True)
    assert "商品000" in last and "商品010" not in last
