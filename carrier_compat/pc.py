"""PC browsers: anything no other carrier class claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat.base import Carrier


class Pc(Carrier):
    """A desktop browser: UTF-8, standard emoji, cookies, no subscriber ID."""

    name: ClassVar[str] = "pc"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        return True
