"""Carrier gateway address ranges: which REMOTE_ADDR may carry subscriber-ID headers.

Subscriber IDs (X-DCMGUID, X-UP-SUBNO, X-JPHONE-UID) are plain request headers; anyone can
send them. They mean something only when the request really came through that carrier's
keitai gateway, i.e. REMOTE_ADDR (after ProxyFix with a configured number of trusted hops)
lies in the ranges the carrier published. This module holds those ranges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_TSV = Path(__file__).resolve().parent / "data" / "gateway_ips.tsv"


class GatewayRanges:
    """An immutable map carrier name -> networks, with membership tests.

    Construct with `default()` (the generated table in carrier_compat/data),
    `from_tsv(path)` (lines `carrier<TAB>cidr`, '#' comments) or `from_pairs(...)`.
    """

    def __init__(self, networks: Mapping[str, Iterable[Network]]) -> None:
        self._networks: dict[str, tuple[Network, ...]] = {
            carrier: tuple(nets) for carrier, nets in networks.items()
        }

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> GatewayRanges:
        """Build from (carrier, cidr) pairs; raises ValueError on a malformed CIDR."""
        grouped: dict[str, list[Network]] = {}
        for carrier, cidr in pairs:
            grouped.setdefault(carrier, []).append(ipaddress.ip_network(cidr.strip()))
        return cls(grouped)

    @classmethod
    def from_tsv(cls, path: str | Path) -> GatewayRanges:
        """Read `carrier<TAB>cidr` lines; blank lines and '#' comments are skipped."""
        pairs = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                carrier, cidr = line.split("\t")[:2]
                pairs.append((carrier.strip(), cidr))
        return cls.from_pairs(pairs)

    @classmethod
    def default(cls) -> GatewayRanges:
        """The published ranges shipped with the package (shared, built once)."""
        return _default_ranges()

    @classmethod
    def empty(cls) -> GatewayRanges:
        """No trusted gateways at all: every subscriber-ID header is ignored."""
        return cls({})

    @property
    def carriers(self) -> tuple[str, ...]:
        return tuple(self._networks)

    def networks(self, carrier: str) -> tuple[Network, ...]:
        return self._networks.get(carrier, ())

    def contains(self, carrier: str, ip: str | None) -> bool:
        """True when `ip` is a valid address inside one of `carrier`'s networks.

        Garbage, empty or missing addresses give False, never an exception. IPv4-mapped
        IPv6 addresses (::ffff:a.b.c.d) are compared as the IPv4 address.
        """
        address = _parse_address(ip)
        if address is None:
            return False
        return any(address in net for net in self._networks.get(carrier, ()))

    def carrier_for(self, ip: str | None) -> str | None:
        """The carrier whose gateway `ip` belongs to, or None."""
        return next((c for c in self._networks if self.contains(c, ip)), None)

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}={len(n)}" for c, n in self._networks.items())
        return f"GatewayRanges({counts})"


def _parse_address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=1)
def _default_ranges() -> GatewayRanges:
    return GatewayRanges.from_tsv(DEFAULT_TSV)
