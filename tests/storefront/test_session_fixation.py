"""Hole 1 (issue #13): a URL session key planted in a link must show its planter nothing.

The attacker opens the shop as a cookie-less docomo handset, gets a key, and sends the
victim a link with it. The victim checks out as a guest; the attacker then uses the
key with the same User-Agent.
"""

from __future__ import annotations

import re

from .flows import COD_OPTIONS
from .shop import BUYER, DOCOMO_UA, Shopper, link_to, seed_shop

KEY = re.compile(r"ksid=([A-Za-z0-9_-]{43})")
GATEWAY_IP = "210.153.84.10"  # inside docomo's published i-mode gateway range
PERSONAL = ("山田", "ヤマダ", "09012345678", "taro..yamada", "晴海", "1046022")


def key_in(text: str) -> str:
    return KEY.search(text).group(1)


def plant_a_key(attacker: Shopper, catalog) -> tuple[str, str]:
    """The attacker's cart link (with its key) and the key."""
    product = attacker.get(f"/product/{catalog.plain_id}")
    cart = attacker.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    link = link_to(cart, "/checkout")
    return link, key_in(link)


def shows_nothing_personal(text: str) -> bool:
    return not any(fragment in text for fragment in PERSONAL)


def test_a_planted_key_stops_working_once_the_victim_enters_details(app):
    catalog = seed_shop(app)
    attacker = Shopper(app, DOCOMO_UA)
    link, planted = plant_a_key(attacker, catalog)

    victim = Shopper(app, DOCOMO_UA)
    start = victim.get(link)
    info = victim.get(link_to(start, "/checkout/guest"))
    options = victim.submit(info, BUYER | {"same": "1"})
    confirm = victim.submit(options, COD_OPTIONS)
    assert "ご注文内容の確認" in confirm.text and "山田 太郎" in confirm.text
    assert key_in(confirm.text) != planted  # the session moved to a key of its own

    for path in ("/checkout/confirm", "/checkout/info", "/checkout/options"):
        spied = attacker.get(f"{path}?ksid={planted}&guid=ON")
        assert shows_nothing_personal(spied.text), path
        assert "ご注文内容の確認" not in spied.text

    done = victim.submit(confirm, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in done.text
    assert shows_nothing_personal(done.text)


def test_after_the_order_no_key_of_that_checkout_shows_personal_data(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    product = phone.get(f"/product/{catalog.plain_id}")
    cart = phone.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    info = phone.get(link_to(phone.get(link_to(cart, "/checkout")), "/checkout/guest"))
    confirm = phone.submit(phone.submit(info, BUYER | {"same": "1"}), COD_OPTIONS)
    before_order = key_in(confirm.text)
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "注文番号" in done.text and shows_nothing_personal(done.text)
    assert key_in(done.text) != before_order

    someone = Shopper(app, DOCOMO_UA)  # whoever saw the confirmation page's URL
    for path in ("/checkout/done", "/checkout/confirm", "/mypage"):
        page = someone.get(f"{path}?ksid={before_order}&guid=ON")
        assert shows_nothing_personal(page.text), path


def test_a_key_is_accepted_only_from_the_handset_it_was_issued_to(app):
    catalog = seed_shop(app)
    owner = Shopper(app, DOCOMO_UA, headers={"X-DCMGUID": "owner0001"},
                    remote_addr=GATEWAY_IP)
    product = owner.get(f"/product/{catalog.plain_id}")
    cart = owner.submit(product, {"quantity": "2"}, action_contains="/cart/add")
    key = key_in(cart.text)
    assert "カート(2)" in owner.get(f"/cart?ksid={key}&guid=ON").text

    other_subscriber = Shopper(app, DOCOMO_UA, headers={"X-DCMGUID": "other0002"},
                               remote_addr=GATEWAY_IP)
    pc_posing_as_handset = Shopper(app, DOCOMO_UA, headers={"X-DCMGUID": "owner0001"},
                                   remote_addr="198.51.100.7")
    for stranger in (other_subscriber, pc_posing_as_handset):
        page = stranger.get(f"/cart?ksid={key}&guid=ON")
        assert "カート(2)" not in page.text and "マグカップ" not in page.text
    assert "カート(2)" in owner.get(f"/cart?ksid={key}&guid=ON").text  # left alone
