"""Emoji: all 722 round-trip mappings per carrier, fallbacks, and the generated tables.

The ground truth is ../shared/data/EmojiSources.txt itself (read here, not through the
generated table), so a bad table cannot pass its own test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from carrier_compat import detect, emoji
from carrier_compat.emoji import EMOJI, TO_CARRIER
from tests.conftest import require_shared_data

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
DATA = REPO / "carrier_compat" / "data"
FIELD = {"docomo": 1, "au": 2, "softbank": 3}
PAGE_UA = {
    "docomo": "DoCoMo/2.0 SH902i(c100;TB;W24H12)",
    "au": "KDDI-SA31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0",
    "softbank": "SoftBank/1.0/910T/TJ001/SN123456789012345 Browser/NetFront/3.3",
    "jphone": "J-PHONE/4.3/V602SH/SNJSHA3029293 SH/0001aa Profile/MIDP-1.0",
    "willcom": "Mozilla/3.0(WILLCOM;KYOCERA/WX310K/2;1.2.2.16.000000/0.1/C100) Opera 7.0",
}


def _sources() -> list[tuple[str, list[str]]]:
    path = SHARED / "EmojiSources.txt"
    require_shared_data()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            fields = line.split(";")
            text = "".join(chr(int(cp, 16)) for cp in fields[0].split())
            rows.append((text, fields))
    return rows


def test_all_722_mappings_are_read() -> None:
    assert len(_sources()) == 722
    assert sum(1 for s in EMOJI if s.roundtrip) == 722


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank"])
def test_every_round_trip_emoji_in_both_directions(carrier: str) -> None:
    page = detect({"HTTP_USER_AGENT": PAGE_UA[carrier]})
    failures, checked = [], 0
    for text, fields in _sources():
        if not fields[FIELD[carrier]]:
            continue
        checked += 1
        code = bytes.fromhex(fields[FIELD[carrier]])
        pua = emoji.pua_from_sjis(int.from_bytes(code, "big"), carrier)
        on_page = code if page.codec == "cp932" else (pua or "").encode("utf-8")
        results = (
            emoji.encode_sjis(text, carrier, "strict") == code,   # Unicode -> carrier SJIS
            emoji.decode_sjis(code, carrier) == text,             # carrier SJIS -> Unicode
            page.encode(text) == on_page,                         # page bytes
            page.decode(on_page) == text,                         # form bytes back
            emoji.sjis_bytes(pua or "", carrier) == code,
        )
        if not all(results):
            failures.append((fields[0], results))
    assert failures == []
    assert checked == sum(1 for s in EMOJI if s.roundtrip and s.sjis(carrier))


def test_softbank_3g_uses_its_private_use_area() -> None:
    assert all("\ue001" <= s.softbank_pua <= "\ue53e" for s in EMOJI if s.softbank_pua)
    assert emoji.to_carrier("☀", "softbank") == "\ue04a"


@pytest.mark.parametrize("kind", list(PAGE_UA))
def test_no_symbol_becomes_a_question_mark_or_disappears(kind: str) -> None:
    page = detect({"HTTP_USER_AGENT": PAGE_UA[kind]})
    table = TO_CARRIER[page.emoji_carrier or "docomo"]
    bad = []
    for symbol in EMOJI:
        if not symbol.unicode:
            continue
        sent = page.encode(symbol.unicode)
        shown = page.decode(sent)
        ok = bool(sent) and bool(shown) and "?" not in shown and "\ufffd" not in shown
        if symbol.unicode in table:  # an emoji, not e.g. EM SPACE: no &#NNNN; needed
            ok = ok and b"&#" not in sent
        if not ok:
            bad.append((symbol.name, sent, shown))
    assert bad == []


def test_closest_symbol_or_text_for_missing_ones() -> None:
    # SUNRISE OVER MOUNTAINS: docomo has only the sun ('>' fallback in emoji4unicode)
    assert emoji.from_carrier(emoji.to_carrier("🌄", "docomo"), "docomo") == "☀"
    # FOGGY: SoftBank has nothing close, so it gets the Japanese stand-in
    assert emoji.to_carrier("🌁", "softbank") == "[霧]"
    # SUN BEHIND CLOUD: docomo shows two symbols
    assert emoji.from_carrier(emoji.to_carrier("⛅", "docomo"), "docomo") == "☀☁"


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank"])
def test_emoji_newer_than_the_carriers_become_their_names(carrier: str) -> None:
    # 😀 and 🦄 came after the carriers' sets: no code, no emoji4unicode fallback.
    assert emoji.to_carrier("😀と🦄", carrier) == "[grinning face]と[unicorn face]"
    page = detect({"HTTP_USER_AGENT": PAGE_UA[carrier]}).encode("こんにちは😀")
    assert b"[grinning face]" in page and b"&#" not in page
    toned = emoji.to_carrier("👍🏻", carrier)  # a skin tone only modifies the thumb
    assert toned == emoji.to_carrier("👍", carrier) and "[" not in toned


def test_newer_emoji_in_handset_mail_are_named_not_replaced() -> None:
    from carrier_compat.mail import build_text_mail

    mail = build_text_mail(to="a@docomo.ne.jp", mail_from="shop@example.jp",
                           subject="ご案内😀", body="ありがとう😀")
    assert "[grinning face]" in mail.get_body().get_content()
    assert "〓" not in mail.get_body().get_content()


def test_variation_selectors_and_keycaps() -> None:
    assert emoji.to_carrier("❤️", "docomo") == emoji.to_carrier("❤", "docomo") == "\ue6ec"
    assert emoji.to_carrier("#️⃣", "au") == emoji.to_carrier("#\u20e3", "au")
    assert emoji.to_carrier("#1 2", "docomo") == "#1 2"  # plain digits are not keycaps


def test_mixed_text_round_trips_on_each_carrier() -> None:
    text = "本日晴れ☀のち曇り☁。新商品🎁入荷！～①髙"
    for kind in ("docomo", "au", "softbank", "jphone", "willcom"):
        page = detect({"HTTP_USER_AGENT": PAGE_UA[kind]})
        assert page.decode(page.encode(text)) == text, kind


def test_carrier_only_symbol_decodes_to_its_text() -> None:
    imode = next(s for s in EMOJI if s.docomo_pua == "\ue6d1")
    assert emoji.from_carrier("\ue6d1", "docomo") == imode.fallback == "[iモード]"


def test_unknown_user_defined_characters_become_geta() -> None:
    assert emoji.decode_sjis(b"\xf0\x40", "docomo") == "〓"


def test_softbank_shift_jis_keeps_fb_row_and_real_kanji_apart() -> None:
    assert emoji.encode_sjis("🇯🇵", "softbank") == b"\xfb\xab"
    assert emoji.decode_sjis(b"\xfb\xab", "softbank") == "🇯🇵"
    # IBM-extension bytes outside SoftBank's rows are still text
    assert emoji.decode_sjis(b"\xfa\x40\xed\x40", "softbank") == "ⅰ纊"


def test_generated_tables_are_small_and_attributed() -> None:
    for path in DATA.iterdir():
        assert path.stat().st_size < 1_000_000
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    assert "Apache License" in notice and "Unicode" in notice and "jpmobile" in notice


def test_generator_reproduces_the_committed_tables(tmp_path: Path) -> None:
    require_shared_data()
    script = REPO / "tools" / "generate_carrier_data.py"
    subprocess.run([sys.executable, str(script), str(SHARED), str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("emoji.tsv", "gateway_ips.tsv", "NOTICE.md"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_stray_variation_selector_does_not_reach_a_shift_jis_page() -> None:
    page = detect({"HTTP_USER_AGENT": PAGE_UA["docomo"]})
    assert page.encode("A\ufe0f") == b"A"
