"""Holes 7 and 8 (issue #13) in メール配信: デコメール images take the product images' safe
path (size limits before decoding, re-encoded without metadata), and テスト送信 is
rate-limited per address and per admin."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from models import NewsletterImage
from tests.admin.catalog.images import bomb_png, jpeg_with_gps, png

from .test_newsletter_admin import _create, _save


def upload(client, newsletter_id: int, token: str, data: bytes, name: str):
    return client.post(f"/admin/newsletters/{newsletter_id}/images", data={
        "csrf_token": token, "image": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_a_decompression_bomb_is_refused_in_japanese_not_a_500(admin_client):
    newsletter_id, token = _create(admin_client, "deco")
    for data in (bomb_png(20_000), png(10_000, 10_000)):
        answer = upload(admin_client, newsletter_id, token, data, "huge.png")
        assert answer.status_code == 400
        assert "画像の縦横のサイズが大きすぎます" in answer.get_json()["error"]


def test_exif_gps_and_comments_never_reach_subscribers(admin_client, db):
    newsletter_id, token = _create(admin_client, "deco")
    original = jpeg_with_gps()
    assert b"taken at home" in original and b"SecretPhone" in original
    answer = upload(admin_client, newsletter_id, token, original, "photo.jpg").get_json()
    stored = db.scalar(select(NewsletterImage)).data
    assert b"taken at home" not in stored and b"SecretPhone" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and image.size == (640, 480)
    served = admin_client.get(answer["url"]).get_data()
    assert served == stored


def test_an_animated_gif_keeps_its_frames(admin_client, db):
    frames = [Image.new("RGB", (60, 40), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=300,
                   loop=0, comment=b"made by someone")
    newsletter_id, token = _create(admin_client, "deco")
    assert upload(admin_client, newsletter_id, token, out.getvalue(), "deco.gif").status_code == 200
    stored = db.scalar(select(NewsletterImage)).data
    with Image.open(io.BytesIO(stored)) as image:
        assert image.n_frames == 3
    assert b"made by someone" not in stored


def test_test_sends_to_one_address_are_limited(admin_client):
    newsletter_id, token = _create(admin_client, "text")
    _save(admin_client, newsletter_id, token)
    statuses = [admin_client.post(f"/admin/newsletters/{newsletter_id}/test", data={
        "csrf_token": token, "address": "victim@docomo.ne.jp"}).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    other = admin_client.post(f"/admin/newsletters/{newsletter_id}/test", data={
        "csrf_token": token, "address": "me@docomo.ne.jp"})
    assert other.status_code == 302
