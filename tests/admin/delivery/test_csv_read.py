"""admin.common.csv_read: what Excel really writes is read; what it cannot be is refused clearly."""

from __future__ import annotations

import codecs

import pytest

from admin.common.csv_read import CsvError, normalise_header, read_csv

REQUIRED = ("order_no", "delivery_no")


def test_excel_cp932_with_quotes_blank_lines_and_crlf():
    text = ('order_no,delivery_no,shop_name\r\n\r\n"20081021_0000000001","12,34","勝どき\r\n'
            '配送"\r\n,,\r\n20081021_0000000002,56,\r\n')
    table = read_csv(text.encode("cp932"), REQUIRED, 1000)
    assert table.encoding == "cp932"
    assert table.rows == [
        (3, {"order_no": "20081021_0000000001", "delivery_no": "12,34",
             "shop_name": "勝どき\r\n配送"}),
        (5, {"order_no": "20081021_0000000002", "delivery_no": "56", "shop_name": ""}),
    ]


@pytest.mark.parametrize("prefix,encoding", [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8-sig")])
def test_utf8_with_or_without_bom_and_lf(prefix, encoding):
    table = read_csv(prefix + "order_no,delivery_no\n1,伝票\n".encode(), REQUIRED, 1000)
    assert table.encoding == encoding
    assert table.rows == [(2, {"order_no": "1", "delivery_no": "伝票"})]


def test_headers_are_trimmed_case_and_bom_insensitive():
    assert normalise_header("\ufeff Order_No ") == "order_no"
    assert normalise_header("shop memo") == "shop_memo"
    assert normalise_header("ＳＨＯＰ　ＭＥＭＯ") == "shop_memo"  # typed full-width in Excel
    table = read_csv(b" ORDER_NO ,Delivery No,,\r\n1,2,,\r\n", REQUIRED, 1000)
    assert table.headers == ["order_no", "delivery_no"]


@pytest.mark.parametrize("data,line,message", [
    (b"", 0, "ファイルが空です"),
    (b"PK\x03\x04rest", 0, "Excelブック"),
    (b"order_no,delivery_no\r\n1,\x82\xff\r\n", 2, "文字コードを読み取れません"),
    (b"order_no\r\n1\r\n", 1, "必須の見出し delivery_no がありません"),
    (b"order_no,delivery_no,order_no\r\n", 1, "見出し order_no が2回あります"),
    (b'order_no,delivery_no\r\n1,"2\r\n', 2, "CSVとして読めません"),
    (b"order_no,delivery_no\r\n1,2,3\r\n", 2, "列の数"),
    (b"x" * 2000, 0, "ファイルが大きすぎます"),
])
def test_file_problems_are_line_numbered_japanese_errors(data, line, message):
    with pytest.raises(CsvError) as raised:
        read_csv(data, REQUIRED, 1000)
    assert raised.value.line_no == line
    assert message in str(raised.value)
    if line:
        assert str(raised.value).startswith(f"{line}行目: ")
