"""メルマガ through the real SMTP server: who gets it, per-carrier bytes, pause, schedule."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from carrier_compat.decomail import DECO_LIMITS
from ktaishop.mail import newsletter_mail
from ktaishop.mail.worker import deliver_due
from models import Member, MemberStatus, Newsletter, NewsletterImage, OutboxMessage, now
from models import newsletter as rules
from tests.mail.helpers import use_mail_profile
from tests.mail_decoding import decode_mail_text

CARRIER_ADDRESSES = {
    "docomo": "d.o..co.@docomo.ne.jp", "au": "auuser@ezweb.ne.jp",
    "softbank": "sb@softbank.ne.jp", "smartphone": "iphone@i.softbank.jp",
    "pc": "pc@example.com",
}


def add_members(db, **extra) -> dict[str, Member]:
    members = {carrier: Member(email=addr, name=f"{carrier}会員", carrier=carrier,
                                email_verified_at=now(), **extra)
               for carrier, addr in CARRIER_ADDRESSES.items()}
    db.add_all(members.values())
    db.commit()
    return members


def gif(width: int = 120, height: int = 60, colour: str = "#ff6600") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "GIF")
    return out.getvalue()


def text_newsletter(db, **overrides) -> Newsletter:
    values = dict(kind="text", subject="{{member_name}}様 春のセール☀", mail_from="shop@example.jp",
                  body_text="{{member_name}}様\n春のセールです☀\n")
    values.update(overrides)
    newsletter = Newsletter(**values)
    db.add(newsletter)
    db.commit()
    return newsletter


def by_recipient(server) -> dict[str, object]:
    return {m.rcpt_tos[0]: m for m in server.messages}


def test_text_newsletter_reaches_only_subscribers_each_in_their_carrier_code(
        app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")  # the carriers' own codes (tests/mail/test_mail_profiles.py)
    add_members(db)
    db.add_all([Member(email="no@example.com", name="不要", newsletter=False,
                       email_verified_at=now()),
                Member(email="gone@example.com", name="退会", status=MemberStatus.WITHDRAWN,
                       email_verified_at=now()),
                Member(email="bounce@example.com", name="不達", bounced=True,
                       email_verified_at=now())])
    newsletter = text_newsletter(db)
    assert newsletter_mail.start(db, newsletter) == 5
    db.commit()

    assert deliver_due(app) == 5

    received = by_recipient(smtp_server)
    assert set(received) == {"d.o..co.@docomo.ne.jp", "auuser@ezweb.ne.jp",
                             "sb@softbank.ne.jp", "iphone@i.softbank.jp", "pc@example.com"}
    docomo = received["d.o..co.@docomo.ne.jp"].message
    raw_body = docomo.get_payload(decode=True)
    assert b"\xf8\x9f" in raw_body  # ☀ as docomo's own emoji code
    text = decode_mail_text(raw_body, "Shift_JIS", "docomo")
    assert text.startswith("docomo会員様\n春のセールです☀")
    au = received["auuser@ezweb.ne.jp"].message
    assert au.get_content_charset().lower() == "iso-2022-jp"
    assert "☀" in decode_mail_text(au.get_payload(decode=True), "ISO-2022-JP", "au")
    pc = received["pc@example.com"].message
    assert pc["Subject"] == "pc会員様 春のセール☀"
    assert "/unsubscribe/" in pc.get_content()
    assert pc["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert pc["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    db.expire_all()
    rules.finish_if_done(db, newsletter)
    assert newsletter.status == "done"


def test_carrier_filter_narrows_recipients(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db, carriers="docomo,au")
    assert newsletter_mail.start(db, newsletter) == 2
    db.commit()
    deliver_due(app)
    assert set(by_recipient(smtp_server)) == {"d.o..co.@docomo.ne.jp", "auuser@ezweb.ne.jp"}


def test_deco_newsletter_layout_and_limits_per_carrier(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")  # the carriers' 3G-era layouts (standard: test_mail_profiles)
    add_members(db)
    newsletter = Newsletter(
        kind="deco", subject="デコメ☀", mail_from="shop@example.jp", body_text="",
        body_html=('<div align="center"><font color="#ff0000">{{member_name}}様 セール☀</font>'
                   '<br><img src="cid:banner"><script>alert(1)</script></div>'))
    newsletter.images = [NewsletterImage(cid="banner", filename="banner.gif",
                                         mimetype="image/gif", data=gif(600, 400))]
    db.add(newsletter)
    db.commit()
    newsletter_mail.start(db, newsletter)
    db.commit()
    assert deliver_due(app) == 5

    received = by_recipient(smtp_server)
    layouts = {"docomo": ("multipart/mixed", "multipart/related"),
               "au": ("multipart/mixed", "multipart/alternative"),
               "pc": ("multipart/alternative", "text/plain")}
    for carrier, (top, first) in layouts.items():
        address = CARRIER_ADDRESSES[carrier]
        raw = received[address].raw
        mail = received[address].message
        assert mail.get_content_type() == top, carrier
        assert next(iter(mail.iter_parts())).get_content_type() == first, carrier
        cids = {str(p["Content-ID"]).strip("<>") for p in mail.walk() if p["Content-ID"]}
        html_part = next(p for p in mail.walk() if p.get_content_type() == "text/html")
        html = html_part.get_content()
        assert "cid:banner" in html and cids == {"banner"}, carrier  # every cid: resolves
        assert "<script>" not in html and f"{carrier}会員様" in html
        assert any(p.get_content_type() == "text/plain" for p in mail.walk())
        limit = DECO_LIMITS[carrier].message
        assert limit is None or len(raw) <= limit


def test_pause_holds_the_rest_and_resume_finishes(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db)
    newsletter_mail.start(db, newsletter)
    db.commit()
    assert deliver_due(app, limit=2) == 2
    rules.pause(db, newsletter)
    db.commit()

    assert deliver_due(app) == 0
    assert rules.progress(db, newsletter).remaining == 3

    rules.resume(db, newsletter)
    db.commit()
    assert deliver_due(app) == 3
    assert rules.progress(db, newsletter).sent == 5
    assert len(smtp_server.messages) == 5


def test_cancel_stops_the_rest(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db)
    newsletter_mail.start(db, newsletter)
    db.commit()
    deliver_due(app, limit=1)
    rules.cancel(db, newsletter)
    db.commit()
    assert deliver_due(app) == 0
    progress = rules.progress(db, newsletter)
    assert (progress.sent, progress.cancelled, progress.remaining) == (1, 4, 0)


def test_scheduled_newsletter_waits_for_its_time(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db, status="scheduled", scheduled_at=now() + timedelta(hours=1))
    assert deliver_due(app) == 0
    assert smtp_server.messages == []

    newsletter.scheduled_at = now() - timedelta(seconds=1)
    db.commit()
    assert deliver_due(app) == 5
    db.refresh(newsletter)
    assert newsletter.recipient_count == 5


def test_unsubscribed_after_queueing_gets_nothing(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    members = add_members(db)
    newsletter = text_newsletter(db)
    newsletter_mail.start(db, newsletter)
    members["au"].newsletter = False
    db.commit()
    assert deliver_due(app) == 4
    assert "auuser@ezweb.ne.jp" not in by_recipient(smtp_server)


def test_resend_to_failed_only(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db)
    newsletter_mail.start(db, newsletter)
    db.commit()
    smtp_server.fail_next.extend([550])
    assert deliver_due(app) == 4
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert "550" in failed.last_error
    db.expire_all()
    rules.finish_if_done(db, newsletter)
    assert rules.resend_failed(db, newsletter) == 1
    db.commit()
    assert deliver_due(app) == 1
    assert [m.rcpt_tos[0] for m in smtp_server.messages].count(failed.mail_to) == 1
    assert len(smtp_server.messages) == 5


def test_rows_in_a_workers_hands_at_pause_are_not_stranded_by_resume(app, db, smtp_server,
                                                                      monkeypatch):
    """A worker holding rows when 一時停止 comes puts them back; after 再開 all go."""
    from ktaishop.mail.outbox import SendOptions, claim, send_claimed, sending_session
    from ktaishop.mail.transport import transport_from_url

    monkeypatch.setattr(newsletter_mail, "PAUSED_RECHECK", 0)  # re-check at once
    app.config["MAIL_URL"] = smtp_server.url
    add_members(db)
    newsletter = text_newsletter(db)
    newsletter_mail.start(db, newsletter)
    db.commit()
    transport = transport_from_url(smtp_server.url)
    options = SendOptions()
    with sending_session(db.get_bind()) as worker:
        ids, lease_until = claim(worker, batch=5, lease_seconds=60)
        rules.pause(db, newsletter)
        db.commit()
        newsletter_mail._newsletter(worker, newsletter.id, options.cache)  # its copy: paused
        worker.commit()
        rules.resume(db, newsletter)
        db.commit()
        # Still trusting its copy, the worker puts the rows back after 再開 ran...
        assert send_claimed(worker, ids, lease_until, transport, options) == 0
    # ...and they are not parked for good: everyone gets the newsletter.
    assert deliver_due(app) == 5
    transport.close()
