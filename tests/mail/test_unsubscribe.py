"""The unsubscribe link of a real newsletter, from a cookie-less docomo handset and one-click."""

from __future__ import annotations

import re

import storefront.unsubscribe  # noqa: F401 (routes on storefront.bp before apps are made)
from ktaishop.mail import newsletter_mail
from ktaishop.mail.worker import deliver_due
from models import Member, Newsletter, now
from tests.keitai import KeitaiClient
from tests.xhtml_mp import validate_xhtml_mp

DOCOMO_UA = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"


def _newsletter_link(app, db, smtp_server, email: str) -> tuple[Member, str]:
    app.config["MAIL_URL"] = smtp_server.url
    member = Member(email=email, name="配信 停止子", carrier="docomo", email_verified_at=now())
    db.add(member)
    newsletter = Newsletter(kind="text", subject="お知らせ", mail_from="shop@example.jp",
                            body_text="本文")
    db.add(newsletter)
    db.commit()
    newsletter_mail.start(db, newsletter)
    db.commit()
    deliver_due(app)
    [received] = smtp_server.wait_for(1)
    mail = received.message
    header = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"]).group(1)
    assert header in mail.get_content()
    return member, header


def test_docomo_handset_without_cookies_unsubscribes_from_the_mail_link(app, db, smtp_server):
    member, url = _newsletter_link(app, db, smtp_server, "teishi@docomo.ne.jp")
    handset = KeitaiClient(app, DOCOMO_UA)

    page = handset.get(url)
    assert page.status == 200
    validate_xhtml_mp(page.raw)
    assert "te****@docomo.ne.jp へのメルマガの配信を停止します" in page.text
    db.refresh(member)
    assert member.newsletter is True  # opening the link alone changes nothing

    [action] = page.forms()
    done = handset.post(action, {})
    assert done.status == 200
    validate_xhtml_mp(done.raw)
    assert "配信を停止しました" in done.text
    db.refresh(member)
    assert member.newsletter is False

    again = handset.get(url)
    assert "停止済みです" in again.text


def test_one_click_post_from_a_mail_client(app, db, smtp_server, client):
    member, url = _newsletter_link(app, db, smtp_server, "oneclick@example.com")
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.refresh(member)
    assert member.newsletter is False


def test_a_tampered_link_changes_nothing(app, db, smtp_server, client):
    member, url = _newsletter_link(app, db, smtp_server, "safe@example.com")
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    response = client.post(forged)
    assert "このURLは正しくありません" in response.get_data(as_text=True)
    other = newsletter_mail.unsubscribe_url(member.id + 1, member.email)
    client.post(other)
    db.refresh(member)
    assert member.newsletter is True
