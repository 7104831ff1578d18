"""Bad uploads: a clear message each, and nothing changes (no product row, no file)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Product
from tests.admin.catalog.images import TEXT_AS_JPEG, bomb_png, corrupt_png, huge_png, png
from tests.admin.conftest import form_token, image_files, product_data, upload

BAD_UPLOADS = [
    pytest.param(lambda: TEXT_AS_JPEG, "photo.jpg",
                 "画像ファイルではありません。JPEG・PNG・GIFの画像を選んでください。",
                 id="renamed-text"),
    pytest.param(lambda: huge_png(20), "big.png", "ファイルが大きすぎます", id="20MB"),
    pytest.param(corrupt_png, "broken.png", "画像ファイルが壊れているため読み込めません。",
                 id="corrupt-png"),
    pytest.param(bomb_png, "bomb.png", "画像の縦横のサイズが大きすぎます", id="bomb"),
]


@pytest.mark.parametrize(("make", "filename", "message"), BAD_UPLOADS)
def test_bad_image_on_a_new_product_saves_nothing(admin_client, db, app, make, filename,
                                                  message):
    token = form_token(admin_client, "/admin/products/new")
    data = product_data(token, image1=upload(png(), "good.png"),
                        image2=upload(make(), filename))
    response = admin_client.post("/admin/products/new", data=data,
                                 content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"商品画像(2)「{filename}」: {message}" in page
    assert "まだ保存されていません" in page
    assert db.scalar(select(Product)) is None
    assert image_files(app) == []


def test_bad_image_on_an_existing_product_keeps_its_images_and_fields(admin_client, db, app):
    token = form_token(admin_client, "/admin/products/new")
    admin_client.post("/admin/products/new", content_type="multipart/form-data",
                      data=product_data(token, image1=upload(png(), "first.png")))
    product = db.scalar(select(Product))
    before = (product.image1, product.name, [v.stock for v in product.variants])
    files_before = image_files(app)
    db.commit()
    url = f"/admin/products/{product.id}/edit"
    response = admin_client.post(url, content_type="multipart/form-data", data=product_data(
        form_token(admin_client, url), name="変更後の名前", **{"stock-0": "99"},
        image1=upload(png(colour="#fff"), "new.png"), image3=upload(corrupt_png(), "x.png")))
    assert response.status_code == 400
    assert "商品画像(3)「x.png」: 画像ファイルが壊れているため読み込めません。" in \
        response.get_data(as_text=True)
    db.expire_all()
    product = db.get(Product, product.id)
    assert (product.image1, product.name, [v.stock for v in product.variants]) == before
    assert image_files(app) == files_before


def test_the_same_file_renamed_is_judged_by_content_not_name(admin_client, db):
    token = form_token(admin_client, "/admin/products/new")
    response = admin_client.post("/admin/products/new", content_type="multipart/form-data",
                                 data=product_data(token, image1=upload(png(), "photo.gif")))
    assert response.status_code == 302
    assert db.scalar(select(Product)).image1.endswith(".png")
