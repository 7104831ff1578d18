"""デコメール: per-carrier MIME layout, cid references, limits, downscaling, sanitizer."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from carrier_compat.decomail import (
    DECO_LIMITS,
    DecoMailError,
    DecoMailTooLarge,
    InlineImage,
    build_deco_mail,
    deco_size_report,
    sanitize_deco_html,
)
from carrier_compat.decomail_images import shrink_image
from carrier_compat.errors import HeaderInjection
from carrier_compat.mail import smtp_bytes
from tests.carrier_compat.mail_support import (
    EXTENDED,
    SHOP,
    body_as_received,
    parse,
    running_sink,
    send_over_smtp,
)

HTML = ('<div align="center"><font color="#ff0000" size="5">春のセール☀</font></div>'
        '<img src="cid:logo@shop.example.jp"><br>'
        f'<span style="color:#0000ff">{EXTENDED}</span><hr>'
        '<img src="cid:photo@shop.example.jp" alt="商品">'
        '<a href="https://shop.example.jp/item/1">商品を見る</a>')
TO = {"docomo": "taro@docomo.ne.jp", "au": "hanako@ezweb.ne.jp",
      "softbank": "jiro@softbank.ne.jp", "pc": "customer@example.com"}


def gif(size=(48, 24), frames=1, noise=False) -> bytes:
    images = []
    for index in range(frames):
        base = Image.effect_noise(size, 90 + index) if noise else Image.new("L", size, 40 * index)
        images.append(base.convert("P"))
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=200,
                   loop=0)
    return out.getvalue()


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


LOGO = InlineImage("logo@shop.example.jp", "logo.gif", gif(), "image/gif")
PHOTO = InlineImage("photo@shop.example.jp", "photo.jpg", noisy_jpeg((400, 300)), "image/jpeg")


def deco(carrier: str, images=(LOGO, PHOTO), html: str = HTML, text: str = "春のセール"):
    return build_deco_mail(to=TO[carrier], mail_from=SHOP, subject="春のセール☀", html=html,
                           text=text, images=list(images))


def shape(part):
    if part.is_multipart():
        return (part.get_content_type(), [shape(p) for p in part.iter_parts()])
    return part.get_content_type()


def images_of(msg) -> dict[str, bytes]:
    return {part["Content-ID"].strip("<>"): part.get_payload(decode=True)
            for part in msg.walk() if part.get_content_maintype() == "image"}


def html_part(msg):
    return next(p for p in msg.walk() if p.get_content_type() == "text/html")


@pytest.mark.parametrize("carrier", ["docomo", "softbank"])
def test_docomo_and_softbank_layout_is_mixed_related_alternative(carrier):
    assert shape(parse(deco(carrier))) == ("multipart/mixed", [
        ("multipart/related", [
            ("multipart/alternative", ["text/plain", "text/html"]),
            "image/gif", "image/jpeg"])])


def test_au_layout_puts_images_beside_the_alternative():
    assert shape(parse(deco("au"))) == ("multipart/mixed", [
        ("multipart/alternative", ["text/plain", "text/html"]), "image/gif", "image/jpeg"])


def test_pc_layout_is_alternative_with_related_html():
    assert shape(parse(deco("pc"))) == ("multipart/alternative", [
        "text/plain", ("multipart/related", ["text/html", "image/gif", "image/jpeg"])])


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank", "pc"])
def test_every_cid_in_the_html_resolves_to_an_image(carrier):
    received = parse(deco(carrier))
    html = body_as_received(html_part(received), None if carrier == "pc" else carrier)
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert cids == ["logo@shop.example.jp", "photo@shop.example.jp"]
    assert set(images_of(received)) == set(cids)


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank", "pc"])
def test_html_and_text_parts_are_in_the_carriers_charset_with_emoji(carrier):
    received = parse(deco(carrier))
    read_as = None if carrier == "pc" else carrier
    text_part = next(p for p in received.walk() if p.get_content_type() == "text/plain")
    assert body_as_received(text_part, read_as) == "春のセール"
    html = body_as_received(html_part(received), read_as)
    assert "春のセール☀" in html
    expected = EXTENDED.replace("髙", "高") if carrier == "au" else EXTENDED
    assert expected in html
    charset = {"docomo": "shift_jis", "au": "iso-2022-jp", "softbank": "shift_jis"}
    assert html_part(received).get_content_charset() == charset.get(carrier, "utf-8")


def test_there_is_always_a_text_part():
    received = parse(deco("docomo", text=""))
    text_part = next(p for p in received.walk() if p.get_content_type() == "text/plain")
    text = body_as_received(text_part, "docomo")
    assert "春のセール☀" in text and "商品を見る https://shop.example.jp/item/1" in text


@pytest.mark.parametrize("carrier", ["docomo", "au"])
def test_html_on_one_long_line_is_not_sent_beyond_smtp_line_limits(carrier):
    long_html = HTML + "<font color=\"red\">とても長い行</font>" * 60  # no line breaks
    received = parse(deco(carrier, html=long_html))
    assert html_part(received)["Content-Transfer-Encoding"] == "base64"
    assert "とても長い行" * 2 in body_as_received(html_part(received), carrier).replace(
        '</font><font color="red">', "")
    assert all(len(line) <= 998 for line in smtp_bytes(deco(carrier, html=long_html)).split(
        b"\r\n"))


def test_missing_image_is_refused_in_japanese():
    with pytest.raises(DecoMailError) as info:
        deco("docomo", images=[LOGO])
    assert "cid:photo@shop.example.jp" in info.value.message
    assert "添付されていません" in info.value.message


def test_images_the_html_does_not_show_are_left_out():
    extra = InlineImage("unused@shop", "unused.gif", gif(), "image/gif")
    assert "unused@shop" not in images_of(parse(deco("docomo", images=[LOGO, PHOTO, extra])))


def test_docomo_images_are_downscaled_to_90kb():
    assert len(PHOTO.data) > DECO_LIMITS["docomo"].images
    sent = images_of(parse(deco("docomo")))
    assert sum(len(data) for data in sent.values()) <= 90 * 1024
    assert sent["logo@shop.example.jp"] == LOGO.data  # the small one is left alone
    with Image.open(io.BytesIO(sent["photo@shop.example.jp"])) as photo:
        assert photo.format == "JPEG" and photo.width < 400
        assert not photo.info.get("progressive")  # old handsets show baseline only


def test_au_whole_mail_is_downscaled_to_100kb():
    msg = deco("au")
    assert len(smtp_bytes(msg)) <= 100 * 1024


def test_softbank_keeps_images_within_300kb_and_shrinks_beyond():
    assert images_of(parse(deco("softbank")))["photo@shop.example.jp"] == PHOTO.data
    big = InlineImage(PHOTO.cid, "big.jpg", noisy_jpeg((800, 600)), "image/jpeg")
    assert len(big.data) > 300 * 1024
    msg = deco("softbank", images=[LOGO, big])
    assert len(smtp_bytes(msg)) <= 300 * 1024
    assert images_of(parse(msg))[big.cid] != big.data


def test_pc_gets_the_images_unchanged():
    big = InlineImage(PHOTO.cid, "big.jpg", noisy_jpeg((800, 600)), "image/jpeg")
    assert images_of(parse(deco("pc", images=[LOGO, big])))[big.cid] == big.data


def test_animated_gif_keeps_its_frames_when_shrunk():
    animation = gif((300, 300), frames=3, noise=True)
    smaller = shrink_image(animation)
    with Image.open(io.BytesIO(smaller)) as im:
        assert im.n_frames == 3 and im.size == (225, 225)
    big = InlineImage(PHOTO.cid, "anime.gif", animation, "image/gif")
    sent = images_of(parse(deco("docomo", images=[LOGO, big])))[big.cid]
    with Image.open(io.BytesIO(sent)) as im:
        assert im.n_frames == 3 and len(sent) <= 90 * 1024


def test_docomo_body_over_10000_bytes_is_refused_naming_the_body():
    with pytest.raises(DecoMailTooLarge) as info:
        deco("docomo", html=HTML + "<p>長い本文</p>" * 800)
    assert "本文" in info.value.message and "10,000バイト" in info.value.message


def test_image_that_cannot_shrink_is_refused_naming_it():
    broken = InlineImage(PHOTO.cid, "broken.jpg", bytes(range(256)) * 400, "image/jpeg")
    with pytest.raises(DecoMailTooLarge) as info:
        deco("docomo", images=[LOGO, broken])
    assert "broken.jpg" in info.value.message and "画像" in info.value.message


def test_size_report_for_the_preview_screen():
    reports = {r.carrier: r for r in deco_size_report(html=HTML, text="春", images=[LOGO, PHOTO])}
    assert set(reports) == {"docomo", "au", "softbank", "pc"}
    docomo = reports["docomo"]
    assert docomo.body_limit == 10_000 and docomo.images_limit == 90 * 1024
    assert not docomo.fits and docomo.sendable and docomo.sent_images_bytes <= 90 * 1024
    assert reports["softbank"].fits and reports["pc"].fits
    broken = InlineImage(PHOTO.cid, "broken.jpg", bytes(range(256)) * 400, "image/jpeg")
    refused = deco_size_report(html=HTML, text="", images=[LOGO, broken], carriers=["docomo"])
    assert not refused[0].sendable and "broken.jpg" in refused[0].problem


def test_header_data_with_line_breaks_is_refused():
    with pytest.raises(HeaderInjection):
        build_deco_mail(to=TO["docomo"], mail_from=SHOP, subject="セール\r\nBcc: x@example.com",
                        html=HTML, text="", images=[LOGO, PHOTO])
    with pytest.raises(HeaderInjection):
        InlineImage("logo\r\nX-Evil: 1", "logo.gif", LOGO.data, "image/gif")


@pytest.mark.parametrize(("source", "expected"), [
    ('<script>alert(1)</script><p>ok</p>', "<p>ok</p>"),
    ('<font color="red" onclick="steal()">赤</font>', '<font color="red">赤</font>'),
    ('<a href="javascript:alert(1)">x</a>', "x"),
    ('<a href="java\tscript:alert(1)">x</a>', "x"),
    ('<a href="mailto:shop@example.jp">問い合わせ</a>',
     '<a href="mailto:shop@example.jp">問い合わせ</a>'),
    ('<img src="http://tracker.example.com/pixel.gif">', ""),
    ('<img src="data:image/gif;base64,R0lG">', ""),
    ('<span style="color:red;background:url(javascript:x)">r</span>',
     '<span style="color:red">r</span>'),
    ('<div align="center" style="position:fixed">中央</div>', '<div align="center">中央</div>'),
    ('<table><tr><td>セル</td></tr></table>', "セル"),
    ('<p>閉じていない<blink>点滅', "<p>閉じていない<blink>点滅</blink></p>"),
    ('<marquee behavior="alternate" onmouseover="x()">流れる</marquee>',
     '<marquee behavior="alternate">流れる</marquee>'),
    ('a &lt;b&gt; &amp; c', "a &lt;b&gt; &amp; c"),
    ('<style>p{color:red}</style><!-- comment --><hr size="2"><br/>', '<hr size="2"><br>'),
])
def test_sanitizer_keeps_only_the_deco_subset(source, expected):
    assert sanitize_deco_html(source) == expected


@pytest.fixture
def smtp_sink():
    yield from running_sink()


def test_docomo_deco_mail_survives_smtp(smtp_sink):
    msg = deco("docomo")
    send_over_smtp(smtp_sink, msg)
    (mail,) = smtp_sink.wait_for(1)
    received = mail.message
    assert shape(received) == shape(parse(msg))
    assert images_of(received) == images_of(parse(msg))
    assert "春のセール☀" in body_as_received(html_part(received), "docomo")
