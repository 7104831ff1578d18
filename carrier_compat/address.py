"""Mail addresses of handsets: which carrier, is it usable, how to write it.

docomo (and, for a while, au) let subscribers pick local parts that break
RFC 5322's dot-atom rule: two dots in a row, or a dot at either end
(``a..b.@docomo.ne.jp``, ``.abc@docomo.ne.jp``). Millions of such addresses
were in use, so a shop must accept them - but only on the carrier domains that
handed them out. In headers and in SMTP they are written as a quoted string
(``"a..b."@docomo.ne.jp``), which RFC 5322 and RFC 5321 allow and which names
the same mailbox.

One mailbox has many spellings: ``"takahashi"@i.softbank.jp``,
``takahashi@I.SoftBank.JP``. ``canonical_address`` is the one form the shop stores,
compares and looks up (registration, login, suspension, bounces, unsubscribe): the
local part unquoted (a quoted string names the same mailbox as its unquoted text) and
the domain in lower case. Comparisons also ignore the local part's case, as every
carrier and mail provider does.
"""

from __future__ import annotations

import re

__all__ = [
    "address_key",
    "canonical_address",
    "carrier_for_address",
    "envelope_address",
    "header_address",
    "is_valid_address",
    "split_address",
]

# Domain -> carrier, exact matches. Subdomain families are handled below.
_EXACT_DOMAINS: dict[str, str] = {
    "docomo.ne.jp": "docomo",
    "ezweb.ne.jp": "au",
    "au.com": "au",
    "softbank.ne.jp": "softbank",
    "disney.ne.jp": "softbank",  # Disney Mobile ran on SoftBank's network
    # iPhone mail (MMS-over-IMAP) reads UTF-8 HTML like any smartphone.
    "i.softbank.jp": "smartphone",
}
# Vodafone-era SoftBank addresses carried a regional letter: x.vodafone.ne.jp.
_VODAFONE = re.compile(r"^[dhtckrnsq]\.vodafone\.ne\.jp$")
# Early au addresses carried a regional subdomain: xx.ezweb.ne.jp.
_EZWEB_SUB = re.compile(r"^[a-z0-9-]+\.ezweb\.ne\.jp$")

_KEITAI = frozenset({"docomo", "au", "softbank"})
# RFC 5322 atext, plus '.' which the dot-atom rule constrains.
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def split_address(addr: str) -> tuple[str, str]:
    """Split ``local@domain`` at the last ``@``; a quoted local part is unquoted.

    :raise ValueError: when there is no ``@`` or either side is empty.
    """
    local, sep, domain = addr.rpartition("@")
    if not sep or not local or not domain:
        raise ValueError(f"not a mail address: {addr!r}")
    if len(local) >= 2 and local[0] == local[-1] == '"':
        local = local[1:-1]
    return local, domain


def canonical_address(addr: str) -> str:
    """The one form of ``addr`` the shop keeps: unquoted local part, lower-case domain.

    ``"takahashi"@I.SoftBank.jp`` → ``takahashi@i.softbank.jp``; a quoted local part
    whose text needs its quotes (a space, an ``@``) keeps them; a quoted-pair
    (``\\x``) is its character. Text that is not an address is returned trimmed.
    """
    text = addr.strip()
    try:
        local, domain = split_address(text)
    except ValueError:
        return text
    if text.rpartition("@")[0].startswith('"'):
        local = re.sub(r"\\(.)", r"\1", local)
    if not _ATEXT.match(local):
        local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{local}@{domain.lower().rstrip('.')}"


def address_key(addr: str) -> str:
    """``canonical_address`` in lower case: what two spellings of one mailbox share."""
    return canonical_address(addr).lower()


def carrier_for_address(addr: str) -> str:
    """Return 'docomo', 'au', 'softbank', 'smartphone' or 'pc' for ``addr``.

    Only the domain decides (case-insensitive). Anything unparseable is 'pc',
    the charset-safe choice (UTF-8).
    """
    try:
        _, domain = split_address(addr.strip())
    except ValueError:
        return "pc"
    domain = domain.lower().rstrip(".")
    if domain in _EXACT_DOMAINS:
        return _EXACT_DOMAINS[domain]
    if _VODAFONE.match(domain):
        return "softbank"
    if _EZWEB_SUB.match(domain):
        return "au"
    return "pc"


def _valid_domain(domain: str) -> bool:
    if len(domain) > 253:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return False
    return all(_LABEL.match(label) for label in labels)


def is_valid_address(addr: str) -> bool:
    """True when ``addr`` is a bare ``local@domain`` the shop can mail.

    RFC 5322 dot-atom local parts are accepted everywhere; docomo-style local
    parts (``..`` inside, ``.`` at either end) only on keitai carrier domains.
    Rejected: any whitespace or control character (so no CR/LF), non-ASCII,
    a missing or malformed domain, a local part over 64 characters.
    """
    if not isinstance(addr, str) or not addr.isascii() or not addr.isprintable():
        return False
    if any(ch.isspace() for ch in addr):
        return False
    try:
        local, domain = split_address(addr)
    except ValueError:
        return False
    if len(local) > 64 or not _valid_domain(domain):
        return False
    if _DOT_ATOM.match(local):
        return True
    return carrier_for_address(addr) in _KEITAI and bool(_ATEXT.match(local))


def header_address(addr: str) -> str:
    """The address as written in To/Cc/From headers.

    Dot-atom local parts are left alone; docomo-style ones are quoted
    (``"a..b."@docomo.ne.jp``) so Python's ``email`` package and receiving
    MTAs parse them as one mailbox.

    :raise ValueError: when ``is_valid_address(addr)`` is false.
    """
    if not is_valid_address(addr):
        raise ValueError(f"invalid mail address: {addr!r}")
    local, domain = split_address(addr)
    if _DOT_ATOM.match(local):
        return f"{local}@{domain}"
    return f'"{local}"@{domain}'


def envelope_address(addr: str) -> str:
    """The address for SMTP ``MAIL FROM``/``RCPT TO`` (without the angle brackets).

    RFC 5321 allows a Dot-string or a Quoted-string local part, so this is the
    same text as :func:`header_address`.

    :raise ValueError: when ``is_valid_address(addr)`` is false.
    """
    return header_address(addr)
