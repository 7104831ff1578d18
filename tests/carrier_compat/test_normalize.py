"""Text typed on handsets is stored in one form that every charset can carry."""

from __future__ import annotations

import pytest

from carrier_compat import normalize_input


@pytest.mark.parametrize(("typed", "stored"), [
    ("ｶﾞｷﾞ", "ガギ"),
    ("ﾊﾟﾝﾀﾞｳﾞｧｲｵﾘﾝ", "パンダヴァイオリン"),
    ("ｱｲｳ｡｢ｶﾅ｣ｰ", "アイウ。「カナ」ー"),
    ("10時〜12時", "10時～12時"),        # WAVE DASH -> FULLWIDTH TILDE
    ("\u2212５℃", "－５℃"),            # MINUS SIGN -> FULLWIDTH HYPHEN-MINUS
    ("A\u2016B", "A∥B"),               # DOUBLE VERTICAL LINE -> PARALLEL TO
    ("か\u3099", "が"),                 # decomposed voiced mark -> NFC
    ("abc ABC 123", "abc ABC 123"),    # ASCII untouched
    ("①㈱髙﨑", "①㈱髙﨑"),             # CP932 extensions kept (no NFKC)
    ("\ufa19", "\ufa19"),            # 神 (U+FA19) stays: a name character in CP932
    ("\u212b", "\u212b"),            # ANGSTROM SIGN stays: its NFC form is not CP932
    ("😀☀", "😀☀"),
])
def test_normalised_forms(typed: str, stored: str) -> None:
    assert normalize_input(typed) == stored


@pytest.mark.parametrize("text", ["ｶﾞｷﾞ〜−‖", "か\u3099ｶﾞ\ufa19\u212b", "普通の文", ""])
def test_idempotent(text: str) -> None:
    once = normalize_input(text)
    assert normalize_input(once) == once


def test_result_is_encodable_for_shift_jis_handsets() -> None:
    text = normalize_input("ｶﾞ〜−‖¢£¬—①髙\u212b\ufa19")
    assert text.encode("cp932").decode("cp932") == text
