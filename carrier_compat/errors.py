"""Errors raised by carrier_compat, each with a Japanese message fit to show a user.

Both are ValueError subclasses so code that validates input can catch them the usual way;
`message` is the user-facing text (Japanese), `str(exc)` adds technical detail for logs.
"""

from __future__ import annotations


class CarrierCompatError(ValueError):
    """Base class: `message` is safe to show to the handset user."""

    default_message = "処理できないデータが送信されました。"

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(f"{self.message} ({detail})" if detail else self.message)


class DecodeError(CarrierCompatError):
    """Bytes from a handset that are not valid in the charset the page was sent in."""

    default_message = (
        "送信された文字を読み取れませんでした。"
        "入力した文字を確かめて、もう一度送信してください。"
    )

    def __init__(self, encoding: str, position: int | None = None, *,
                 message: str | None = None) -> None:
        self.encoding = encoding
        self.position = position
        where = f" at byte {position}" if position is not None else ""
        super().__init__(f"invalid {encoding} data{where}", message=message)


class HeaderInjection(CarrierCompatError):
    """A CR or LF in a value meant for a mail header."""

    default_message = "メールの件名や宛先に改行を含めることはできません。"
