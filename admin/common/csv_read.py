"""Reading the CSV files shop staff upload, however Excel saved them.

``read_csv(data, required, max_bytes)`` takes the raw bytes of an upload and returns
a ``CsvTable``: normalised header names and the rows as ``(line_no, {header: value})``.
Whatever is wrong with the file as a whole (too big, not CSV, unreadable encoding, no
header, a required column missing) raises ``CsvError`` with a Japanese message and the
line it concerns. Row values are not judged here: that is the importer's job, which
reports its own line-numbered ``CsvError`` values.

Line numbers are the row numbers the clerk sees in Excel: the header is 1, and a blank
line counts as a row like any other.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

# Excel writes the whole file in one of these; UTF-16 is "Unicode テキスト" (tab separated).
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Signatures of files that are certainly not CSV, with what to tell the clerk.
_NOT_CSV = (
    (b"PK\x03\x04", "Excelブック（.xlsx）などのCSVではないファイルです。"),
    (b"\xd0\xcf\x11\xe0", "Excelブック（.xls）などのCSVではないファイルです。"),
    (b"%PDF", "PDFファイルです。"),
)
_SAVE_AS_CSV = "Excelで「CSV（カンマ区切り）」形式で保存し直してから登録してください。"


class CsvError(Exception):
    """A line-numbered problem with an uploaded CSV; ``str()`` is the screen text.

    ``line_no`` is the Excel row (1 = header), or 0 when the problem is the file itself.
    """

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(message)
        self.line_no = line_no
        self.message = message

    def __str__(self) -> str:
        return f"{self.line_no}行目: {self.message}" if self.line_no else self.message


@dataclass
class CsvTable:
    """A decoded CSV: normalised headers (in file order) and its non-blank rows."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    encoding: str = "utf-8"

    def has(self, header: str) -> bool:
        return normalise_header(header) in self.headers


def normalise_header(name: str) -> str:
    """``" Shop Memo "`` → ``shop_memo``: trimmed, BOM-free, lower case, spaces as ``_``.

    NFKC first, so full-width letters and the ideographic space typed in Excel count too.
    """
    text = unicodedata.normalize("NFKC", name.replace("\ufeff", "")).strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def read_csv(data: bytes, required: Sequence[str], max_bytes: int) -> CsvTable:
    """Decode and split ``data``; check that every ``required`` header is present.

    :raise CsvError: the file is larger than ``max_bytes``, empty, not CSV, in an
        encoding that cannot be read, or lacks a required header.
    """
    if len(data) > max_bytes:
        raise CsvError(0, f"ファイルが大きすぎます（上限 {_size_text(max_bytes)}）。"
                          "ファイルを分けて登録してください。")
    text, encoding = decode(data)
    records = _split(text)
    header_at = _first_non_blank(records)
    if header_at is None:
        raise CsvError(0, "ファイルが空です。見出し行と登録するデータを入れてください。")
    line_no, cells = header_at
    headers = _headers(line_no, cells)
    missing = [name for name in required if normalise_header(name) not in headers]
    if missing:
        raise CsvError(line_no, "必須の見出し " + "、".join(missing) + " がありません。"
                       "1行目に見出し（例: " + ",".join(required) + "）を入れてください。")
    table = CsvTable(headers=headers, encoding=encoding)
    width = len(headers)
    for row_no, row in records[line_no:]:
        if _blank(row):
            continue  # blank lines and rows Excel left as ",,,," are not data
        if len(row) > width and not _blank(row[width:]):
            raise CsvError(row_no, f"列の数（{len(row)}）が見出しの数（{width}）より"
                                   "多くなっています。値にカンマが含まれていないか確認してください。")
        if len(row) < width:
            row += [""] * (width - len(row))
        # strict=False: blank cells past the last header (checked above) are dropped.
        table.rows.append((row_no, dict(zip(headers, map(str.strip, row), strict=False))))
    return table


def _blank(cells: list[str]) -> bool:
    """No cell holds more than spaces."""
    return not "".join(cells).strip()


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was in: UTF-8 (± BOM), else CP932.

    :raise CsvError: binary, UTF-16 or an undecodable byte (with its line).
    """
    if not data.strip():
        raise CsvError(0, "ファイルが空です。見出し行と登録するデータを入れてください。")
    for magic, what in _NOT_CSV:
        if data.startswith(magic):
            raise CsvError(0, what + _SAVE_AS_CSV)
    if data.startswith(_UTF16_BOMS):
        raise CsvError(0, "UTF-16（Unicode テキスト）のファイルは読めません。" + _SAVE_AS_CSV)
    if b"\x00" in data:
        raise CsvError(0, "CSVではないファイルです（文字ではないデータが含まれています）。"
                          + _SAVE_AS_CSV)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data[len(codecs.BOM_UTF8):], "utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_as(data, "cp932"), "cp932"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CsvError(line, "文字コードを読み取れません（Shift_JIS/CP932 または UTF-8 の"
                             "CSVを登録してください）。") from None


def _split(text: str) -> list[tuple[int, list[str]]]:
    """Every record with its Excel row number (1-based; blank lines kept as ``[]``)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((len(records) + 1, row))
    except csv.Error as error:
        raise CsvError(len(records) + 1, "CSVとして読めません（引用符「\"」の閉じ忘れなど）: "
                       f"{error}") from None
    return records


def _first_non_blank(records: list[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    for line_no, row in records:
        if not _blank(row):
            return line_no, row
    return None


def _headers(line_no: int, cells: list[str]) -> list[str]:
    headers = [normalise_header(cell) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()  # Excel often keeps empty trailing columns
    seen: set[str] = set()
    for name in headers:
        if name and name in seen:
            raise CsvError(line_no, f"見出し {name} が2回あります。列を1つにしてください。")
        seen.add(name)
    return headers


def _size_text(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size:,} バイト"
