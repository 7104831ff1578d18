"""Generate carrier_compat/data/ from the reference data in ../shared/data.

Run from the repository root:
    .venv/bin/python tools/generate_carrier_data.py [DATA_DIR [OUT_DIR]]
DATA_DIR defaults to ../shared/data, OUT_DIR to carrier_compat/data.

Inputs (never committed verbatim):
- EmojiSources.txt (Unicode UCD): the 722 round-trip mappings Unicode <-> the carriers'
  Shift_JIS emoji codes.
- emoji4unicode.xml (google/emoji4unicode, Apache-2.0): carrier private-use code points,
  '>' one-way fallbacks, names and Japanese text stand-ins.
- carrier_gateway_ips.tsv (jpmobile-ipaddresses collection): keitai gateway ranges.

Outputs:
- carrier_compat/data/emoji.tsv: one row per emoji4unicode symbol with the carrier PUA,
  fallbacks and Shift_JIS codes resolved.
- carrier_compat/data/gateway_ips.tsv: the gateway ranges, validated and normalised.
- carrier_compat/data/NOTICE.md: attribution and licence notes.

The script refuses to write anything if the two emoji sources disagree, so a table that
would break a round trip can never be generated.
"""

from __future__ import annotations

import ipaddress
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "carrier_compat" / "data"
CARRIERS = ("docomo", "au", "softbank")
XML_ATTR = {"docomo": "docomo", "au": "kddi", "softbank": "softbank"}

# Shift_JIS <-> carrier PUA is linear inside segments (trail bytes skip 0x7F). Each
# segment is (first SJIS code, last SJIS code, PUA of the first code). docomo's layout is
# the CP932 user-defined area itself (F040.. = U+E000..), so it needs no segments. The au
# and SoftBank segments were read off the joined sources (see check_segments) and are
# verified against every round-trip pair on each run.
SEGMENTS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "au": (
        (0xF340, 0xF352, 0xE5CD),
        (0xF353, 0xF3CE, 0xEA80),
        (0xF3CF, 0xF3FC, 0xEB0E),
        (0xF440, 0xF493, 0xEB3C),
        (0xF640, 0xF6FC, 0xE468),
        (0xF740, 0xF7D1, 0xE524),
        (0xF7D2, 0xF7E4, 0xEAFB),
        (0xF7E5, 0xF7FC, 0xE5B5),
    ),
    "softbank": (
        (0xF741, 0xF79B, 0xE101),
        (0xF7A1, 0xF7FA, 0xE201),
        (0xF941, 0xF99B, 0xE001),
        (0xF9A1, 0xF9ED, 0xE301),
        (0xFB41, 0xFB8D, 0xE401),
        (0xFBA1, 0xFBDE, 0xE501),
    ),
}

# Stand-ins for the few symbols where emoji4unicode gives a carrier neither a symbol, a
# fallback nor text. Written so every carrier's charset (CP932) can show them.
EXTRA_TEXT = {
    "1F464": "[人影]",
    "1F3BD": "[ランニングシャツ]",
    "1F3A0": "[メリーゴーランド]",
    "3030": "～",
    "1F4A0": "[ダイヤ]",
}


def trail_index(byte: int) -> int:
    """Position of a Shift_JIS trail byte in its row (0x40..0x7E, 0x80..0xFC)."""
    return byte - 0x40 if byte < 0x7F else byte - 0x41


def sjis_to_pua(code: int, carrier: str) -> int | None:
    """Carrier PUA code point for one of its Shift_JIS emoji codes, or None."""
    if carrier == "docomo":
        try:
            char = code.to_bytes(2, "big").decode("cp932")
        except UnicodeDecodeError:
            return None
        return ord(char) if 0xE63E <= ord(char) <= 0xE757 else None
    for first, last, pua in SEGMENTS[carrier]:
        if first <= code <= last and (code & 0xFF) != 0x7F:
            return pua + trail_index(code & 0xFF) - trail_index(first & 0xFF)
    return None


def pua_to_sjis(pua: int, carrier: str) -> int | None:
    """Inverse of sjis_to_pua over the carrier's whole emoji area."""
    if carrier == "docomo":
        if not 0xE63E <= pua <= 0xE757:
            return None
        return int.from_bytes(chr(pua).encode("cp932"), "big")
    for first, last, start in SEGMENTS[carrier]:
        offset = pua - start
        count = trail_index(last & 0xFF) - trail_index(first & 0xFF) + 1
        if 0 <= offset < count:
            index = trail_index(first & 0xFF) + offset
            trail = index + 0x40 if index < 0x3F else index + 0x41
            return (first & 0xFF00) | trail
    return None


@dataclass
class Row:
    """One generated table row (see carrier_compat/emoji.py for the meaning)."""

    unicode: str  # hex code points joined by ' ', '' when the symbol has none
    roundtrip: bool
    own: dict[str, str]  # carrier -> its own PUA (hex)
    fallback: dict[str, str]  # carrier -> '>' fallback PUA sequence (hex joined by ' ')
    name: str
    text: str


def parse_sources(path: Path) -> dict[str, dict[str, int]]:
    """EmojiSources.txt -> {unicode hex seq: {carrier: sjis}}."""
    result: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(";")
        codes = {c: int(v, 16) for c, v in zip(CARRIERS, fields[1:4], strict=True) if v}
        result[fields[0].strip().upper()] = codes
    return result


def _bracket(text_repr: str | None) -> str:
    """Carrier logos only have a textual representation ('J-PHONE SHOP'): show it so."""
    if not text_repr:
        return ""
    return text_repr if len(text_repr) == 1 else f"[{text_repr}]"


def parse_e4u(path: Path) -> list[Row]:
    """emoji4unicode.xml -> rows with PUA and fallbacks split apart."""
    rows = []
    for elem in ET.parse(path).getroot().iter("e"):
        uni = (elem.get("unicode") or "").lstrip("+").replace("+", " ").upper()
        own: dict[str, str] = {}
        fallback: dict[str, str] = {}
        for carrier in CARRIERS:
            value = elem.get(XML_ATTR[carrier])
            if not value:
                continue
            if value.startswith(">"):
                fallback[carrier] = value[1:].replace("+", " ").upper()
            else:
                own[carrier] = value.upper()
        text = (elem.get("text_fallback") or EXTRA_TEXT.get(uni, "")
                or _bracket(elem.get("text_repr")))
        # A literal '?' would look like a conversion failure on the handset.
        text = text.replace("?", "？")
        rows.append(Row(uni, False, own, fallback, elem.get("name", ""), text))
    return rows


def check_and_mark(rows: list[Row], sources: dict[str, dict[str, int]]) -> None:
    """Mark round-trip rows and fail loudly if the two sources disagree."""
    by_unicode = {row.unicode: row for row in rows if row.unicode}
    errors = []
    for uni, codes in sources.items():
        row = by_unicode.get(uni)
        if row is None:
            errors.append(f"{uni}: in EmojiSources but not in emoji4unicode")
            continue
        row.roundtrip = True
        for carrier, sjis in codes.items():
            pua = sjis_to_pua(sjis, carrier)
            if pua is None or row.own.get(carrier) != f"{pua:04X}":
                errors.append(f"{uni}: {carrier} {sjis:04X} -> {pua} vs {row.own.get(carrier)}")
    for row in rows:
        for carrier, pua in row.own.items():
            if pua_to_sjis(int(pua, 16), carrier) is None:
                errors.append(f"{row.name}: {carrier} PUA {pua} outside the SJIS segments")
    if errors:
        raise SystemExit("emoji sources disagree:\n" + "\n".join(errors[:40]))


def write_emoji(rows: list[Row], path: Path) -> None:
    """Write the emoji table (tab-separated, UTF-8, '#' comment header)."""
    header = [
        "# Generated by tools/generate_carrier_data.py - do not edit; see NOTICE.md.",
        "# Derived from Unicode EmojiSources.txt 15.0 and google/emoji4unicode (Apache-2.0);",
        "# modified: sources joined, Shift_JIS codes computed, '?' in text replaced by '？'.",
        "# unicode\troundtrip\t"
        + "\t".join(f"{c}_pua\t{c}_sjis\t{c}_fallback" for c in CARRIERS)
        + "\tname\ttext",
    ]
    lines = []
    for row in rows:
        cells = [row.unicode, "1" if row.roundtrip else "0"]
        for carrier in CARRIERS:
            pua = row.own.get(carrier, "")
            sjis = pua_to_sjis(int(pua, 16), carrier) if pua else None
            cells += [pua, f"{sjis:04X}" if sjis else "", row.fallback.get(carrier, "")]
        cells += [row.name, row.text]
        lines.append("\t".join(cells))
    path.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


def write_gateways(src: Path, path: Path) -> None:
    """Validate every CIDR and write the table with our own header."""
    out = [
        "# Generated by tools/generate_carrier_data.py - do not edit; see NOTICE.md.",
        "# Keitai gateway ranges published by docomo, au (KDDI) and SoftBank, as collected",
        "# by the jpmobile-ipaddresses project (last updated 2014). Subscriber-ID headers",
        "# are trusted only from these networks.",
        "# carrier\tnetwork",
    ]
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        carrier, cidr = line.split("\t")[:2]
        if carrier not in CARRIERS:
            raise SystemExit(f"unknown carrier in {src}: {carrier}")
        out.append(f"{carrier}\t{ipaddress.ip_network(cidr.strip(), strict=True)}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


NOTICE = """# carrier_compat/data — attribution and licences

The files in this directory are generated by `tools/generate_carrier_data.py`; do not
edit them by hand. They are derived (modified) works of the following sources.

## emoji.tsv

Derived from two sources, joined by Unicode code point; Shift_JIS codes are computed,
carrier fallbacks are split out, and a literal `?` in text stand-ins is replaced by `？`.

1. **EmojiSources.txt** from the Unicode Character Database 15.0
   (© 2022 Unicode®, Inc.), used under the Unicode terms of use
   (https://www.unicode.org/terms_of_use.html); the copyright and permission notice
   is reproduced in full at the end of this file. The data is modified from the
   original data file as described above.

2. **emoji4unicode.xml** from google/emoji4unicode (`data/emoji4unicode.xml`), main
   authors Darick Tong, Kat Momoi, Satoru Takabayashi; contributors Markus Scherer,
   Mark Davis, Yasuo Kida, Peter Edberg. Copyright Google Inc. Licensed under the
   Apache License, Version 2.0 (the "License"); you may not use this file except in
   compliance with the License. You may obtain a copy of the License at
   http://www.apache.org/licenses/LICENSE-2.0 . Unless required by applicable law or
   agreed to in writing, software distributed under the License is distributed on an
   "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or
   implied. See the License for the specific language governing permissions and
   limitations under the License. Changes made: see above (the table is a derived work;
   names and text stand-ins are taken from it). The full licence text is at the end
   of this file.

## gateway_ips.tsv

The keitai gateway IP ranges that NTT docomo, KDDI (au) and SoftBank Mobile published
on their developer sites, as collected by the jpmobile-ipaddresses project (last
updated 2014). The carriers no longer publish these lists; treat them as historical and
make the list a setting (`GatewayRanges.from_tsv`) when running against real gateways.
"""


def write_notice(data_dir: Path, path: Path) -> None:
    """NOTICE.md: our notes plus the full licence texts the two emoji sources require."""
    unicode_terms = (data_dir / "EmojiSources.LICENSE.txt").read_text(encoding="utf-8")
    start = unicode_terms.find("COPYRIGHT AND PERMISSION NOTICE")
    apache = (data_dir / "emoji4unicode.LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    parts = [
        NOTICE,
        "\n## Unicode copyright and permission notice (EmojiSources.txt)\n\n```text\n",
        unicode_terms[max(start, 0):].strip(),
        "\n```\n\n## Apache License 2.0 (emoji4unicode.xml)\n\n```text\n",
        apache.strip(),
        "\n```\n",
    ]
    path.write_text("".join(parts), encoding="utf-8")


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data"
    sources = parse_sources(data_dir / "EmojiSources.txt")
    if len(sources) != 722:
        raise SystemExit(f"expected 722 round-trip mappings, found {len(sources)}")
    out = Path(argv[2]) if len(argv) > 2 else OUT
    rows = parse_e4u(data_dir / "emoji4unicode.xml")
    check_and_mark(rows, sources)
    out.mkdir(parents=True, exist_ok=True)
    write_emoji(rows, out / "emoji.tsv")
    write_gateways(data_dir / "carrier_gateway_ips.tsv", out / "gateway_ips.tsv")
    write_notice(data_dir, out / "NOTICE.md")
    print(f"wrote {len(rows)} emoji rows ({len(sources)} round-trip) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
