"""Text mail to handsets: the recipient's carrier and the mail profile pick charset,
emoji codes and CTE (``mail_profile``: ``"legacy"``, the default, is each carrier's 3G-era
form; ``"standard"`` is UTF-8 with Unicode emoji - see ``mail_codec``).

``build_text_mail`` returns an :class:`email.message.EmailMessage` whose
headers are already encoded (RFC 2047, in the body's charset) and stored as
:class:`PreEncodedHeader` objects so the ``email`` package does not re-encode
them as UTF-8 when the message is serialised. Send it with
:func:`smtp_envelope` + :func:`smtp_bytes` (or ``smtplib.send_message``,
which also drops ``Bcc``), or write ``as_bytes()`` to an ``.eml`` file.

Not ``as_string()``: docomo and SoftBank parts are 8bit Shift_JIS, and
Python's str generator re-encodes such parts to ISO-2022-JP, which fails on
CP932 characters and emoji. Keep the Unicode text for a sent-mail history.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.policy import default as default_policy
from email.utils import formatdate, getaddresses, make_msgid

from carrier_compat.address import (
    carrier_for_address,
    envelope_address,
    header_address,
    is_valid_address,
    split_address,
)
from carrier_compat.errors import HeaderInjection
from carrier_compat.mail_codec import (
    LEGACY,
    MailProfile,
    encode_mail_text,
    encoded_sizes,
    profile_for,
)

__all__ = [
    "PreEncodedHeader",
    "build_text_mail",
    "check_header_value",
    "encode_header_words",
    "resolve_profile",
    "set_envelope_headers",
    "set_text_part",
    "smtp_bytes",
    "smtp_envelope",
]

# Everything str.splitlines() treats as a line break, plus NUL: any of them in
# a header value could start a new header at some MTA or in Python itself.
_LINE_BREAKS = re.compile("[\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_FIELD_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 ftext
# Set by the builders; a caller's ``headers`` may not replace them.
_RESERVED = frozenset({
    "to", "from", "cc", "bcc", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding", "content-disposition",
})
_MAX_LINE = 76  # RFC 2047 section 2: lines holding encoded-words


class PreEncodedHeader(str):
    """A header value already encoded and folded; the policy writes it verbatim.

    As a ``str`` it is the readable (decoded) value; :meth:`fold` gives the wire
    form. ``EmailPolicy.header_store_parse`` keeps any object with a matching
    ``name`` attribute, and ``_fold`` calls its ``fold``.
    """

    name: str
    encoded: str

    def __new__(cls, name: str, decoded: str, encoded: str) -> PreEncodedHeader:
        obj = super().__new__(cls, decoded)
        obj.name = name
        obj.encoded = encoded
        return obj

    def __getnewargs__(self) -> tuple[str, str, str]:  # copy, deepcopy and pickle
        return (self.name, str(self), self.encoded)

    def fold(self, *, policy: EmailPolicy) -> str:
        """``Name: value`` with the continuation lines joined by ``policy.linesep``."""
        return f"{self.name}: {self.encoded}".replace("\n", policy.linesep) + policy.linesep


def check_header_value(value: str, what: str = "header") -> str:
    """Return ``value`` unchanged, or raise when it could break the header block.

    :raise HeaderInjection: on CR, LF or any other line-break character.
    """
    if _LINE_BREAKS.search(value):
        raise HeaderInjection(f"line break in {what}: {value!r}")
    return value


def _encoded_word(chunk: str, profile: MailProfile) -> str:
    data = base64.b64encode(encode_mail_text(chunk, profile)).decode("ascii")
    return f"=?{profile.charset}?B?{data}?="


def encode_header_words(text: str, profile: MailProfile, first_room: int) -> str:
    """``text`` as RFC 2047 B-encoded words in ``profile``'s charset, folded.

    Each word holds whole characters (and, for ISO-2022-JP, returns to ASCII),
    and no line exceeds 76 characters; ``first_room`` is what the first line
    has left after ``Name: ``. Pure ASCII text is returned as it is.
    """
    if text.isascii() and len(text) <= first_room:
        return text
    sizes = encoded_sizes(text, profile)
    if sizes is not None:
        return "\n ".join(_encoded_word(text[a:b], profile)
                          for a, b in _word_spans(sizes, profile, first_room))
    words: list[str] = []
    room, chunk = first_room, ""
    for ch in text:
        if chunk and len(_encoded_word(chunk + ch, profile)) > room:
            words.append(_encoded_word(chunk, profile))
            room, chunk = _MAX_LINE - 1, ""
        chunk += ch
    if chunk:
        words.append(_encoded_word(chunk, profile))
    return "\n ".join(words)


def _word_spans(sizes: list[tuple[int, bool]], profile: MailProfile,
                first_room: int) -> list[tuple[int, int]]:
    """The same breaks as encoding each growing chunk, from the characters' byte sizes.

    A word is ``=?charset?B?`` + base64 + ``?=``; in ISO-2022-JP each run of double
    bytes adds ``ESC $ B`` and ``ESC ( B`` (6 bytes).
    """
    overhead = len(profile.charset) + 7
    spans: list[tuple[int, int]] = []
    room, start, total, double = first_room, 0, 0, False
    for index, (size, is_double) in enumerate(sizes):
        grown = total + size + (6 if is_double and not double else 0)
        if index > start and overhead + (grown + 2) // 3 * 4 > room:
            spans.append((start, index))
            room, start, double = _MAX_LINE - 1, index, False
            grown = size + (6 if is_double else 0)
        total, double = grown, is_double
    spans.append((start, len(sizes)))
    return spans


def _split_display(value: str) -> tuple[str, str]:
    """``'名前 <a@b.jp>'`` -> (``'名前'``, ``'a@b.jp'``); a bare address has no name."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", value)
    if not match:
        return "", value.strip()
    name = match.group(1)
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return name, match.group(2)


def _quoted_name(name: str) -> str:
    """An RFC 5322 phrase: atoms as they are, anything else as a quoted-string."""
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mailbox(value: str, profile: MailProfile, what: str) -> tuple[str, str, str]:
    """-> (bare address, readable form, wire form) for one mailbox."""
    check_header_value(value, what)
    name, addr = _split_display(value)
    if not is_valid_address(addr):
        raise ValueError(f"invalid mail address in {what}: {addr!r}")
    wire_addr = header_address(addr)
    if not name:
        return addr, wire_addr, wire_addr
    if name.isascii():
        shown = _quoted_name(name)
    else:
        shown = encode_header_words(name, profile, _MAX_LINE - 10)
    # The readable form is parsed again by smtp_envelope, so it is quoted too.
    return addr, f"{_quoted_name(name)} <{wire_addr}>", f"{shown} <{wire_addr}>"


def _set_mailboxes(msg: EmailMessage, name: str, values: Iterable[str],
                   profile: MailProfile) -> None:
    boxes = [_mailbox(v, profile, name) for v in values]
    if boxes:
        readable = ", ".join(b[1] for b in boxes)
        msg[name] = PreEncodedHeader(name, readable, ",\n ".join(b[2] for b in boxes))


def _set_text_header(msg: EmailMessage, name: str, value: str, profile: MailProfile) -> None:
    check_header_value(value, name)
    encoded = encode_header_words(value, profile, _MAX_LINE - len(name) - 2)
    msg[name] = PreEncodedHeader(name, value, encoded)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def resolve_profile(to: str | Iterable[str], carrier: str | None,
                    charset: str | None = None, mail_profile: str = LEGACY) -> MailProfile:
    """The mail profile: ``carrier`` if given, else from the first To address, in
    ``mail_profile`` (see ``mail_codec.profile_for``)."""
    first = _as_list(to)[0] if _as_list(to) else ""
    return profile_for(carrier or carrier_for_address(_split_display(first)[1]), charset,
                       mail_profile)


def set_envelope_headers(msg: EmailMessage, *, to: str | Iterable[str], mail_from: str,
                         subject: str, cc: str | Iterable[str] = (),
                         bcc: str | Iterable[str] | None = None,
                         headers: Mapping[str, str] | None, profile: MailProfile) -> None:
    """Set From/To/Cc/Bcc/Subject/Date/Message-ID/MIME-Version and extra headers.

    :raise HeaderInjection: on a line break in any value or name.
    :raise ValueError: on an invalid address or a reserved/invalid header name.
    """
    from_addr = _mailbox(mail_from, profile, "From")[0]
    _set_mailboxes(msg, "From", [mail_from], profile)
    _set_mailboxes(msg, "To", _as_list(to), profile)
    _set_mailboxes(msg, "Cc", _as_list(cc), profile)
    _set_mailboxes(msg, "Bcc", _as_list(bcc), profile)
    _set_text_header(msg, "Subject", subject, profile)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=split_address(from_addr)[1].lower())
    msg["MIME-Version"] = "1.0"
    for name, value in (headers or {}).items():
        check_header_value(name, "header name")
        if not _FIELD_NAME.match(name) or name.lower() in _RESERVED:
            raise ValueError(f"header {name!r} cannot be set here")
        _set_text_header(msg, name, value, profile)


def build_text_mail(*, to: str | Iterable[str], mail_from: str, subject: str, body: str,
                    cc: str | Iterable[str] = (), bcc: str | Iterable[str] | None = None,
                    headers: Mapping[str, str] | None = None, carrier: str | None = None,
                    charset: str | None = None, mail_profile: str = LEGACY) -> EmailMessage:
    """A text/plain mail in the charset, emoji codes and CTE of the recipient's carrier.

    ``to``, ``cc`` and ``bcc`` take one address or several, each bare or as
    ``名前 <addr>``; docomo-style local parts are written quoted. ``carrier``
    defaults to the first To address's carrier (see ``carrier_for_address``).
    ``charset='ISO-2022-JP'`` sends PC/smartphone mail the legacy Japanese way.
    ``mail_profile='standard'`` sends carrier mail as UTF-8 with Unicode emoji;
    the default ``'legacy'`` uses the carrier's own charset and emoji codes.
    ``Bcc`` is kept as a header for the transport, which must not transmit it
    (:func:`smtp_bytes` and ``smtplib.send_message`` drop it).

    :raise HeaderInjection: on CR/LF (or another line break) in any header value.
    :raise ValueError: on an invalid address or header name.
    """
    profile = resolve_profile(to, carrier, charset, mail_profile)
    msg = EmailMessage(policy=default_policy)
    set_envelope_headers(msg, to=to, mail_from=mail_from, subject=subject, cc=cc, bcc=bcc,
                         headers=headers, profile=profile)
    set_text_part(msg, body, "plain", profile)
    return msg


def set_text_part(msg: EmailMessage, text: str, subtype: str, profile: MailProfile,
                  cte: str | None = None) -> None:
    """Make ``msg`` a text/``subtype`` part holding ``text`` encoded for ``profile``.

    The part ends with a line break (SMTP would add one anyway), so the bytes
    built are the bytes received.
    """
    data = encode_mail_text(text if text.endswith("\n") else text + "\n", profile)
    cte = cte or profile.body_cte
    # 7bit/8bit need lines within SMTP's 998-byte limit; base64 is always safe.
    if cte in ("7bit", "8bit") and any(len(line) > 998 for line in data.split(b"\n")):
        cte = "base64"
    msg.set_content(data, maintype="text", subtype=subtype, cte=cte,
                    params={"charset": profile.charset})


def smtp_envelope(msg: EmailMessage) -> tuple[str, list[str]]:
    """(MAIL FROM, [RCPT TO ...]) for ``msg``: From, and To + Cc + Bcc, deduplicated.

    Addresses are in SMTP form (:func:`carrier_compat.address.envelope_address`).
    """
    def addresses(name: str) -> list[str]:
        values = [str(v) for v in msg.get_all(name, [])]
        return [envelope_address(addr) for _, addr in getaddresses(values) if addr]

    sender = addresses("From")[0]
    rcpts: list[str] = []
    for name in ("To", "Cc", "Bcc"):
        rcpts += [a for a in addresses(name) if a not in rcpts]
    return sender, rcpts


def smtp_bytes(msg: EmailMessage) -> bytes:
    """The message as sent over SMTP: CRLF line ends, without the ``Bcc`` header."""
    wire = copy.copy(msg)  # shallow: deleting a header rebinds the copy's list only
    del wire["Bcc"]
    return wire.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
