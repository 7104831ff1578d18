"""Product search: one folding of Japanese text, for the stored column and the query alike.

A shopper types 「ﾃｨｰｼｬﾂ」, 「てぃーしゃつ」 or 「ｔしゃつ」 and means the product named
「Tシャツ」. Both sides are folded the same way: NFKC (full-width ASCII to half width,
half-width katakana to full width), lower case, hiragana to katakana, and spaces and 「・」
removed (so 「マグ カップ」 and 「マグカップ」 meet). A product's stored text also holds a
reading of its short capital-letter words (T → ティー, PC → ピーシー): that is how
「てぃーしゃつ」 finds 「Tシャツ」.

Matching is a substring test per word of the query (all words must match), over the
product's name, code and description: ``LIKE`` on one stored column
(``Product.search_text``, kept by ``models.catalog``; the query is
``models.catalog.search_products``), which a trigram index serves on PostgreSQL and a scan
of a few thousand short rows serves on SQLite. Nothing here imports the catalog.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

MAX_QUERY_LENGTH = 50
MAX_TERMS = 5

# How Japanese read a capital letter standing alone (Tシャツ, Jリーグ, PCケース).
LETTER_READINGS = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ("エー", "ビー", "シー", "ディー", "イー", "エフ", "ジー", "エイチ", "アイ", "ジェー", "ケー",
     "エル", "エム", "エヌ", "オー", "ピー", "キュー", "アール", "エス", "ティー", "ユー", "ブイ",
     "ダブリュー", "エックス", "ワイ", "ゼット"),
    strict=True,
))
# A word of one to three capitals, not part of a longer Latin word.
_CAPITALS = re.compile(r"(?<![A-Za-z])[A-Z]{1,3}(?![A-Za-z])")
_DROPPED = re.compile(r"[\s・]+")
_LIKE_SPECIAL = re.compile(r"([\\%_])")


def fold(text: str) -> str:
    """``text`` as search compares it (see the module docstring)."""
    value = unicodedata.normalize("NFKC", text or "").lower()
    return _DROPPED.sub("", jaconv.hira2kata(value))


def spelled_out(text: str) -> str:
    """``text`` with short capital-letter words read out in katakana (Tシャツ → ティーシャツ)."""
    normalized = unicodedata.normalize("NFKC", text or "")
    return _CAPITALS.sub(lambda m: "".join(LETTER_READINGS[c] for c in m.group(0)), normalized)


def searchable_text(name: str, code: str, description: str) -> str:
    """What ``Product.search_text`` holds: the folded fields, one a line, and the readings.

    Lines keep a word from matching across two fields (the end of the name and the start
    of the code).
    """
    lines = [fold(name), fold(code), fold(description)]
    reading = fold(spelled_out(name))
    if reading != lines[0]:
        lines.append(reading)
    return "\n".join(lines)


def search_terms(query: str) -> list[str]:
    """The folded words of a query (at most ``MAX_TERMS``; blank words dropped)."""
    words = unicodedata.normalize("NFKC", query or "")[:MAX_QUERY_LENGTH].split()
    terms = [fold(word) for word in words]
    return [term for term in terms if term][:MAX_TERMS]


def like_pattern(term: str) -> str:
    """``%term%`` for ``LIKE ... ESCAPE '\\'``: the term's own ``%`` and ``_`` match literally."""
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", term) + "%"
