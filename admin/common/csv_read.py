"""Reading the CSV files shop staff upload, however Excel saved them.

``read_csv(data, required, max_bytes)`` takes the raw bytes of an upload and returns
a ``CsvTable``: normalised header names and the rows as ``(line_no, {header: value})``.
Whatever is wrong with the file as a whole (too big, not CSV, unreadable encoding, no
header, a required column missing) raises ``CsvError`` with a Japanese message and the
line it concerns. Row values are not judged here: that is the importer's job, which
reports its own line-numbered ``CsvError`` values.

``open_csv(stream, required, max_bytes)`` does the same for a file too large to hold in
memory as rows (a 100,000-row product CSV): it checks the file and its header, and its
``rows()`` reads the rows one at a time from the (spooled) upload, as often as needed.

Line numbers are the row numbers the clerk sees in Excel: the header is 1, and a blank
line counts as a row like any other.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

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
    _require(line_no, headers, required)
    table = CsvTable(headers=headers, encoding=encoding)
    table.rows.extend(_data_rows(records[line_no:], headers))
    return table


def _data_rows(records: Iterable[tuple[int, list[str]]], headers: list[str]
               ) -> Iterator[tuple[int, dict[str, str]]]:
    """The non-blank records after the header as ``(line_no, {header: value})``.

    :raise CsvError: a record with values beyond the last header.
    """
    width = len(headers)
    for row_no, row in records:
        if _blank(row):
            continue  # blank lines and rows Excel left as ",,,," are not data
        if len(row) > width and not _blank(row[width:]):
            raise CsvError(row_no, f"列の数（{len(row)}）が見出しの数（{width}）より"
                                   "多くなっています。値にカンマが含まれていないか確認してください。")
        if len(row) < width:
            row += [""] * (width - len(row))
        # strict=False: blank cells past the last header (checked above) are dropped.
        yield row_no, dict(zip(headers, map(str.strip, row), strict=False))


@dataclass
class CsvStream:
    """A checked CSV upload read row by row (``rows()`` starts from the top each time)."""

    stream: BinaryIO
    headers: list[str]
    encoding: str
    header_line: int

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Every data row with its Excel line number, decoded as the file was written.

        :raise CsvError: a row that is not CSV, cannot be decoded or is too wide.
        """
        records = _records(self.stream, self.encoding)
        for line_no, _ in records:
            if line_no == self.header_line:
                break
        yield from _data_rows(records, self.headers)


def open_csv(stream: BinaryIO, required: Sequence[str], max_bytes: int) -> CsvStream:
    """Check an upload as ``read_csv`` does, without reading it into memory.

    The encoding is judged over the whole file, in chunks: UTF-8 (± BOM), else CP932.
    :raise CsvError: as ``read_csv``.
    """
    stream.seek(0, io.SEEK_END)
    if stream.tell() > max_bytes:
        raise CsvError(0, f"ファイルが大きすぎます（上限 {_size_text(max_bytes)}）。"
                          "ファイルを分けて登録してください。")
    encoding = _sniff(stream)
    for line_no, cells in _records(stream, encoding):
        if _blank(cells):
            continue
        headers = _headers(line_no, cells)
        _require(line_no, headers, required)
        return CsvStream(stream, headers, encoding, line_no)
    raise CsvError(0, "ファイルが空です。見出し行と登録するデータを入れてください。")


def _sniff(stream: BinaryIO, chunk: int = 1 << 16) -> str:
    """The file's encoding, reading it once in chunks (``decode``'s rules and refusals)."""
    stream.seek(0)
    head = stream.read(chunk)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    data = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head
    is_utf8 = True
    while data:
        _refuse_binary(head, data)
        if is_utf8:
            try:
                utf8.decode(data)
            except UnicodeDecodeError:
                is_utf8 = False
        data = stream.read(chunk)
    if not head.strip():
        _refuse_binary(head, head)
    if not is_utf8:
        return "cp932"
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _records(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Every record of the file with its Excel row number, read from the start."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text, strict=True)
    line_no = 0
    try:
        for line_no, row in enumerate(reader, start=1):  # noqa: B007 (read after the loop)
            yield line_no, row
    except csv.Error as error:
        raise CsvError(line_no + 1, "CSVとして読めません（引用符「\"」の閉じ忘れなど）: "
                       f"{error}") from None
    except UnicodeDecodeError:
        raise CsvError(line_no + 1, "文字コードを読み取れません（Shift_JIS/CP932 または UTF-8 の"
                                    "CSVを登録してください）。") from None
    finally:
        text.detach()  # the upload stays open for the next pass


def _require(line_no: int, headers: list[str], required: Sequence[str]) -> None:
    missing = [name for name in required if normalise_header(name) not in headers]
    if missing:
        raise CsvError(line_no, "必須の見出し " + "、".join(missing) + " がありません。"
                       "1行目に見出し（例: " + ",".join(required) + "）を入れてください。")


def _blank(cells: list[str]) -> bool:
    """No cell holds more than spaces."""
    return not "".join(cells).strip()


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was in: UTF-8 (± BOM), else CP932.

    :raise CsvError: binary, UTF-16 or an undecodable byte (with its line).
    """
    _refuse_binary(data, data)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data[len(codecs.BOM_UTF8):], "utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_as(data, "cp932"), "cp932"


def _refuse_binary(head: bytes, chunk: bytes) -> None:
    """:raise CsvError: for an empty file (``head`` is its start), a known binary format,
    UTF-16, or NUL bytes (in ``chunk``, any part of it)."""
    if not head.strip():
        raise CsvError(0, "ファイルが空です。見出し行と登録するデータを入れてください。")
    for magic, what in _NOT_CSV:
        if head.startswith(magic):
            raise CsvError(0, what + _SAVE_AS_CSV)
    if head.startswith(_UTF16_BOMS):
        raise CsvError(0, "UTF-16（Unicode テキスト）のファイルは読めません。" + _SAVE_AS_CSV)
    if b"\x00" in chunk:
        raise CsvError(0, "CSVではないファイルです（文字ではないデータが含まれています）。"
                          + _SAVE_AS_CSV)


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
