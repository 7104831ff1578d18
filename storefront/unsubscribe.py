"""メルマガ配信停止: the signed link in every newsletter, for handsets and mail clients.

``GET /unsubscribe/<token>`` shows what will happen and a button (opening a link must
not act: mail scanners open links too). ``POST`` stops the newsletter for that member,
whether from the button or from a mail client's RFC 8058 one-click request
(``List-Unsubscribe=One-Click``). The token is the authority - no login, no cookie,
no CSRF token (a one-click POST has none) - so it works from any handset. It is bound
to the address the newsletter went to and expires (``newsletter_mail``): after an
address change, or for the next owner of a reassigned address, it opens nothing.
"""

from __future__ import annotations

from ktaishop.extensions import csrf, db
from ktaishop.mail.newsletter_mail import address_fingerprint, member_for_token
from ktaishop.routing import MAX_ROW_ID
from models import Member

from . import bp
from .common import render

MAX_TOKEN_LENGTH = 200


def _member(token: str) -> Member | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    found = member_for_token(token)
    if found is None or not 1 <= found[0] <= MAX_ROW_ID:
        return None
    member = db.session.get(Member, found[0])
    if member is None or address_fingerprint(member.email) != found[1]:
        return None  # the address changed, or the member is gone: not this mailbox's link
    return member


def masked(address: str) -> str:
    """``taro@docomo.ne.jp`` -> ``ta**@docomo.ne.jp``: enough to recognise, not to harvest."""
    local, _, domain = address.rpartition("@")
    return f"{local[:2]}{'*' * max(len(local) - 2, 2)}@{domain}"


@bp.route("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    member = _member(token)
    if member is None:
        return render("unsubscribe/invalid.html")
    return render("unsubscribe/confirm.html", token=token, address=masked(member.email),
                  already=not member.newsletter)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
def unsubscribe_post(token: str) -> str:
    member = _member(token)
    if member is None:
        return render("unsubscribe/invalid.html")
    member.newsletter = False
    db.session.commit()
    return render("unsubscribe/done.html", address=masked(member.email))
