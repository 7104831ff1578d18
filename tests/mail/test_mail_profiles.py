"""The shop's mail in each profile (配信形式), read back from what the worker wrote.

For each carrier domain and each profile, order mails and shipping notices are written
by the worker to ``.eml`` files and read back with the ``email`` package; newsletters
(text and デコメール) go through the real SMTP server. A change of profile reaches only
mail queued after it.
"""

from __future__ import annotations

import io
from email import message_from_bytes
from email.header import decode_header
from email.message import EmailMessage
from email.policy import compat32
from email.policy import default as default_policy
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from carrier_compat.decomail import DECO_LIMITS
from ktaishop.mail import newsletter_mail
from ktaishop.mail.worker import deliver_due
from models import (
    MailKind,
    MailTemplate,
    Member,
    Newsletter,
    NewsletterImage,
    OutboxMessage,
    now,
    queue_mail,
)
from models.mail import queue_order_mail
from tests.mail_decoding import decode_mail_text

from .helpers import make_order, use_mail_profile

DOMAINS = {"docomo": "docomo.ne.jp", "au": "au.com", "softbank": "softbank.ne.jp"}
# (charset, Content-Transfer-Encoding) of the text parts.
FORMS = {"standard": {c: ("utf-8", "base64") for c in DOMAINS},
         "legacy": {"docomo": ("shift_jis", "8bit"), "au": ("iso-2022-jp", "7bit"),
                    "softbank": ("shift_jis", "8bit")}}
# ☀ in the carriers' own codes (au: its mail JIS code right after 晴れ in ESC $ B).
SUN = {"docomo": b"\xf8\x9f", "softbank": b"\xf9\x8b", "au": b"@2$luA"}
PROFILES = ("standard", "legacy")


def read_eml(directory: Path) -> list[tuple[bytes, EmailMessage]]:
    """Every .eml the file transport wrote, oldest first: its bytes, and the mail parsed
    as a mail client would."""
    files = [path.read_bytes() for path in sorted(directory.glob("*.eml"))]
    return [(data, message_from_bytes(data, policy=default_policy))  # type: ignore[misc]
            for data in files]


def subject_shown(raw: bytes, carrier: str) -> str:
    """The Subject's RFC 2047 words decoded as the carrier's phone does (its emoji codes
    included, which the ``email`` package alone cannot read)."""
    header = message_from_bytes(raw, policy=compat32)["Subject"]
    return "".join(data if isinstance(data, str) else
                   decode_mail_text(data, charset or "ascii", carrier)
                   for data, charset in decode_header(header))


def check_text(part, carrier: str, profile: str, expected: str) -> None:
    """A text part in ``profile``'s charset and CTE, holding ``expected`` as the phone shows."""
    charset, cte = FORMS[profile][carrier]
    assert part.get_content_charset() == charset, (carrier, profile)
    assert part["Content-Transfer-Encoding"] == cte, (carrier, profile)
    data = part.get_payload(decode=True)
    if profile == "standard":
        assert expected in data.decode("utf-8")  # every emoji as itself
        assert not any(code in data for code in SUN.values())
    else:
        assert SUN[carrier] in data  # ☀ in the carrier's own code
        assert expected in decode_mail_text(data, charset, carrier)


def _templates(db) -> None:
    db.add_all([
        MailTemplate(kind=MailKind.ORDER_CONFIRMATION, subject="ご注文ありがとうございます☀",
                     mail_from="shop@example.jp",
                     body="{{purchaser_name}}様\n晴れ☀の日に発送します"),
        MailTemplate(kind=MailKind.SHIPPING_NOTICE, subject="発送しました☀",
                     mail_from="shop@example.jp",
                     body="{{purchaser_name}}様\n晴れ☀の日に届きます"),
    ])
    db.commit()


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("carrier", DOMAINS)
def test_order_mail_and_shipping_notice_are_written_in_the_chosen_profile(
        app, db, tmp_path, carrier, profile):
    app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    use_mail_profile(db, profile)
    _templates(db)
    order = make_order(db, name="山田 太郎", email=f"taro@{DOMAINS[carrier]}")  # 受注確認
    queue_order_mail(db, order, MailKind.SHIPPING_NOTICE)
    db.commit()

    assert deliver_due(app) == 2
    confirmation, notice = read_eml(tmp_path / "mail")
    for (raw, mail), subject, text in (
            (confirmation, "ご注文ありがとうございます☀", "晴れ☀の日に発送します"),
            (notice, "発送しました☀", "晴れ☀の日に届きます")):
        assert mail["To"] == f"taro@{DOMAINS[carrier]}"
        assert subject_shown(raw, carrier) == subject
        charset = "UTF-8" if profile == "standard" else FORMS[profile][carrier][0]
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7-bit: RFC 2047 words only
        assert f"Subject: =?{charset}?B?".lower() in head.lower()
        check_text(mail, carrier, profile, f"山田 太郎様\n{text}")


def test_the_shops_profile_names_are_the_ones_carrier_compat_takes():
    from carrier_compat.mail_codec import MAIL_PROFILE_NAMES
    from models.mail import MailProfileName

    assert sorted(p.value for p in MailProfileName) == sorted(MAIL_PROFILE_NAMES)


def test_subjects_are_encoded_words_in_the_profiles_charset(app, db, tmp_path):
    app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    for profile in PROFILES:
        use_mail_profile(db, profile)
        queue_mail(db, to="m@docomo.ne.jp", mail_from="shop@example.jp",
                   subject="セール☀のお知らせ", body="本文")
        db.commit()
    assert deliver_due(app) == 2
    heads = [path.read_bytes().split(b"\r\n\r\n", 1)[0]
             for path in sorted((tmp_path / "mail").glob("*.eml"))]
    assert b"Subject: =?UTF-8?B?" in heads[0]
    assert b"Subject: =?Shift_JIS?B?" in heads[1]
    assert all(b"\r\n\r\n" not in h and b"\n\n" not in h for h in heads)


def test_a_profile_change_never_alters_mail_already_queued(app, db, admin_client, smtp_server):
    """Queued in the legacy profile, changed to standard in メール設定, sent afterwards:
    the queued mail still goes in the legacy form; mail queued after the change does not."""
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")
    db.add(Member(email="member@softbank.ne.jp", name="会員", carrier="softbank",
                  email_verified_at=now()))
    newsletter = Newsletter(kind="text", subject="セール☀", mail_from="shop@example.jp",
                            body_text="{{member_name}}様\n晴れ☀です")
    db.add(newsletter)
    db.commit()
    queue_mail(db, to="before@docomo.ne.jp", mail_from="shop@example.jp", subject="前☀",
               body="晴れ☀")
    newsletter_mail.start(db, newsletter)
    db.commit()

    page = admin_client.get("/admin/mail-templates").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = admin_client.post("/admin/mail-templates/profiles", data={
        "csrf_token": token, "docomo": "standard", "au": "standard", "softbank": "standard"},
        follow_redirects=True)
    assert "送信待ちのメールは作成したときの形式で送ります" in response.get_data(as_text=True)
    queue_mail(db, to="after@docomo.ne.jp", mail_from="shop@example.jp", subject="後☀",
               body="晴れ☀")
    db.commit()

    assert deliver_due(app) == 3
    received = {m.rcpt_tos[0]: m.message for m in smtp_server.messages}
    check_text(received["before@docomo.ne.jp"], "docomo", "legacy", "晴れ☀")
    check_text(received["member@softbank.ne.jp"], "softbank", "legacy", "会員様\n晴れ☀です")
    check_text(received["after@docomo.ne.jp"], "docomo", "standard", "晴れ☀")
    rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.legacy_mail_carriers for r in rows] == ["docomo,au,softbank"] * 2 + [""]


def gif(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#ff6600").save(out, "GIF")
    return out.getvalue()


def noise_jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((side, side), 90).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def _members(db) -> None:
    db.add_all(Member(email=f"m.{c}@{d}", name=f"{c}会員", carrier=c, email_verified_at=now())
               for c, d in DOMAINS.items())
    db.commit()


@pytest.mark.parametrize("profile", PROFILES)
def test_text_newsletter_follows_the_profile(app, db, smtp_server, profile):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, profile)
    _members(db)
    newsletter = Newsletter(kind="text", subject="{{member_name}}様 セール☀",
                            mail_from="shop@example.jp", body_text="{{member_name}}様\n晴れ☀🥺です")
    db.add(newsletter)
    db.commit()
    newsletter_mail.start(db, newsletter)
    db.commit()
    assert deliver_due(app) == 3
    for message in smtp_server.messages:
        carrier = next(c for c, d in DOMAINS.items() if message.rcpt_tos[0].endswith(d))
        mail = message.message
        assert subject_shown(message.raw, carrier) == f"{carrier}会員様 セール☀"
        shown = "晴れ☀🥺です" if profile == "standard" else "晴れ☀[face with pleading eyes]です"
        check_text(mail, carrier, profile, f"{carrier}会員様\n{shown}")
        assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")


def test_standard_text_newsletter_takes_the_pre_encoded_fast_path(app, db, smtp_server,
                                                                   monkeypatch):
    """Bulk standard mail is written straight to bytes (ktaishop.mail.wire), as legacy is."""
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "standard")
    _members(db)

    def refuse(**_kwargs):
        raise AssertionError("the email package was used for a bulk text mail")

    monkeypatch.setattr(newsletter_mail, "build_text_mail", refuse)
    newsletter = Newsletter(kind="text", subject="セール☀", mail_from="shop@example.jp",
                            body_text="晴れ☀")
    db.add(newsletter)
    db.commit()
    newsletter_mail.start(db, newsletter)
    db.commit()
    assert deliver_due(app) == 3
    assert {m.message.get_content_charset() for m in smtp_server.messages} == {"utf-8"}


@pytest.mark.parametrize("profile", PROFILES)
def test_deco_newsletter_follows_the_profile_within_each_carriers_limits(
        app, db, smtp_server, profile):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, profile)
    _members(db)
    newsletter = Newsletter(
        kind="deco", subject="デコメ☀", mail_from="shop@example.jp", body_text="",
        body_html=('<div align="center"><font color="#ff0000">{{member_name}}様 晴れ☀</font>'
                   '<br><img src="cid:banner"><br><img src="cid:photo"></div>'))
    newsletter.images = [
        NewsletterImage(cid="banner", filename="banner.gif", mimetype="image/gif",
                        data=gif(480, 120)),
        NewsletterImage(cid="photo", filename="photo.jpg", mimetype="image/jpeg",
                        data=noise_jpeg(640))]  # ~300 KB: over every carrier's limit
    db.add(newsletter)
    db.commit()
    newsletter_mail.start(db, newsletter)
    db.commit()
    assert deliver_due(app) == 3

    for message in smtp_server.messages:
        carrier = next(c for c, d in DOMAINS.items() if message.rcpt_tos[0].endswith(d))
        mail = message.message
        if profile == "standard":
            assert mail.get_content_type() == "multipart/alternative"
            text_part, related = mail.iter_parts()
            assert related.get_content_type() == "multipart/related"
            html_part = next(related.iter_parts())
        else:
            assert mail.get_content_type() == "multipart/mixed"
            text_part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
            html_part = next(p for p in mail.walk() if p.get_content_type() == "text/html")
        assert html_part.get_content_type() == "text/html"
        check_text(html_part, carrier, profile, f"{carrier}会員様 晴れ☀")
        check_text(text_part, carrier, profile, f"{carrier}会員様 晴れ☀")
        cids = {str(p["Content-ID"]).strip("<>") for p in mail.walk() if p["Content-ID"]}
        assert cids == {"banner", "photo"}
        limits = DECO_LIMITS[carrier]
        images = sum(len(p.get_payload(decode=True)) for p in mail.walk()
                     if p.get_content_maintype() == "image")
        assert limits.images is None or images <= limits.images
        assert limits.message is None or len(message.raw) <= limits.message


def test_mail_queued_before_the_upgrade_keeps_the_old_form(tmp_path):
    """Migration 0009: rows already in the outbox were written for the 3G-era forms and
    keep them (the shop itself starts on the standard profile: the column's default)."""
    from sqlalchemy import create_engine, text

    from ktaishop.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO outbox (created_at, status, attempts, next_attempt_at, last_error,"
            " kind, mail_from, mail_to, cc, bcc, subject, body) VALUES (:t, 'queued', 0, :t,"
            " '', 'general', 'shop@example.jp', 'm@docomo.ne.jp', '', '', '件名', '本文')"),
            {"t": "2026-03-01 10:00:00"})
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT legacy_mail_carriers FROM outbox")).scalar_one() == (
            "docomo,au,softbank")
    engine.dispose()
