"""Writing CSV files the shop owner opens in Excel: encoding, line ends, formula safety.

Two encodings are offered: ``cp932`` (the default; what Japanese Excel reads without
asking) and ``utf-8-sig`` (UTF-8 with a BOM, for characters CP932 lacks). Rows end in
CRLF. Every text cell that a spreadsheet would read as a formula is neutralised with a
leading ``'`` (OWASP "CSV injection"), except plain numbers such as a phone number or a
negative amount, which carry no formula and must stay usable as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

CP932 = "cp932"
UTF8_BOM = "utf-8-sig"
ENCODINGS: dict[str, str] = {CP932: "Shift_JIS (CP932)", UTF8_BOM: "UTF-8 (BOM付き)"}

# What a spreadsheet treats as the start of a formula (or DDE call).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)
# A plain number: a phone number (+81-90-1234-5678, 03 (1234) 5678) or an amount
# (-1500, -1,500.5). Digits and punctuation only: nothing a formula could call.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9,.\- ()]*")

# Characters CP932 cannot encode but has a look-alike for (the usual Unicode/JIS
# mapping differences), and the stand-in for anything else (〓, the geta mark).
_CP932_LOOKALIKES = {
    "\u2014": "\u2015",  # EM DASH -> HORIZONTAL BAR
    "\u00a6": "\uffe4",  # BROKEN BAR -> FULLWIDTH BROKEN BAR
    "\u2225": "\u2016",  # PARALLEL TO -> DOUBLE VERTICAL LINE
}
_GETA = "\u3013"
_ERROR_HANDLER = "ktaishop-cp932"


def _cp932_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_CP932_LOOKALIKES.get(ch, _GETA) for ch in text), error.end


codecs.register_error(_ERROR_HANDLER, _cp932_fallback)


def neutralise(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: a formula gets a leading ``'``."""
    if cell and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def encode(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``; for CP932, unencodable characters become look-alikes or 〓.

    The BOM of ``utf-8-sig`` is NOT added here (chunks are encoded one by one); the
    writer puts it once at the start of the file.
    """
    if encoding == CP932:
        return text.encode(CP932, _ERROR_HANDLER)
    if encoding == UTF8_BOM:
        return text.encode("utf-8")
    raise ValueError(f"unsupported CSV encoding: {encoding}")


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = CP932,
    rows_per_chunk: int = 500,
) -> Iterator[bytes]:
    """The CSV file as byte chunks: header first, CRLF line ends, cells neutralised.

    Memory stays flat whatever the number of rows: at most ``rows_per_chunk`` rows
    are held as text at a time. Cells are ``str`` (the caller formats numbers and
    dates); only a cell whose first character could start a formula is looked at
    closely - this runs for every cell of 100,000-row files.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported CSV encoding: {encoding}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    prefix = codecs.BOM_UTF8 if encoding == UTF8_BOM else b""
    pending = 1
    for row in rows:
        writer.writerow([neutralise(v) if v[:1] in _FORMULA_FIRST else v for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield prefix + encode(buffer.getvalue(), encoding)
            prefix = b""
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending or prefix:
        yield prefix + encode(buffer.getvalue(), encoding)


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value; ASCII file names only, so every browser agrees."""
    if not filename.isascii() or any(c in filename for c in '"\\\r\n'):
        raise ValueError(f"unsafe download file name: {filename!r}")
    return f'attachment; filename="{filename}"'
