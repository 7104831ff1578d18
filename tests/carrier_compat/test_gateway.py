"""Subscriber IDs are believed only from the carriers' own gateways."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from carrier_compat import GatewayRanges, detect
from carrier_compat.gateway import DEFAULT_TSV
from tests.conftest import require_shared_data

SHARED_TSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "carrier_gateway_ips.tsv"

UA = {
    "docomo": "DoCoMo/2.0 SH902i(c100;TB;W24H12)",
    "au": "KDDI-SA31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0",
    "softbank": "SoftBank/1.0/910T/TJ001/SN123456789012345 Browser/NetFront/3.3",
}
HEADER = {"docomo": "HTTP_X_DCMGUID", "au": "HTTP_X_UP_SUBNO", "softbank": "HTTP_X_JPHONE_UID"}
ID = {"docomo": "0a1B2c3", "au": "01234567890123_ab.ezweb.ne.jp", "softbank": "a1b2c3d4e5f6g7h8"}
PC_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
DEFAULT = GatewayRanges.default()


def _request(carrier: str, addr: str, ua: str | None = None) -> dict[str, str]:
    return {"HTTP_USER_AGENT": ua or UA[carrier], "REMOTE_ADDR": addr,
            HEADER[carrier]: ID[carrier]}


def _edges() -> list[tuple[str, str, bool]]:
    """(carrier, address, inside?) for the first/last address of every range and the
    addresses just outside it (skipped where a neighbouring range of the carrier starts)."""
    cases = []
    for carrier in DEFAULT.carriers:
        nets = DEFAULT.networks(carrier)
        for net in nets:
            cases += [(carrier, str(net[0]), True), (carrier, str(net[-1]), True)]
            for outside in (net[0] - 1, net[-1] + 1):
                if not any(outside in other for other in nets):
                    cases.append((carrier, str(outside), False))
    return cases


@pytest.mark.parametrize(("carrier", "addr", "inside"), _edges())
def test_subscriber_id_only_inside_the_carrier_ranges(
        carrier: str, addr: str, inside: bool) -> None:
    handset = detect(_request(carrier, addr))
    assert handset.name == carrier
    assert handset.subscriber_id == (ID[carrier] if inside else None)


def test_every_carrier_has_ranges() -> None:
    assert set(DEFAULT.carriers) == {"docomo", "au", "softbank"}
    assert DEFAULT.contains("docomo", "210.153.84.1")
    assert not DEFAULT.contains("au", "210.153.84.1")


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank"])
def test_spoofed_header_from_localhost_is_ignored(carrier: str) -> None:
    assert detect(_request(carrier, "127.0.0.1")).subscriber_id is None


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank"])
def test_spoofed_header_from_a_pc_is_ignored_even_from_a_gateway_address(carrier: str) -> None:
    inside = str(DEFAULT.networks(carrier)[0][1])
    pc = detect(_request(carrier, inside, ua=PC_UA))
    assert pc.name == "pc" and pc.subscriber_id is None


def test_docomo_header_through_au_gateway_is_ignored() -> None:
    au_addr = str(DEFAULT.networks("au")[0][1])
    assert detect(_request("docomo", au_addr)).subscriber_id is None


@pytest.mark.parametrize("addr", ["", "not-an-ip", "210.153.84.999", "::1"])
def test_garbage_remote_addr_gives_no_subscriber_id(addr: str) -> None:
    assert detect(_request("docomo", addr)).subscriber_id is None


def test_ipv4_mapped_ipv6_address_is_understood() -> None:
    assert detect(_request("docomo", "::ffff:210.153.84.7")).subscriber_id == ID["docomo"]


@pytest.mark.parametrize("value", ["NULLGWDOCOMO", "abc def", "x" * 200, ""])
def test_refused_or_malformed_ids_are_none(value: str) -> None:
    environ = {**_request("softbank", "123.108.237.1"), "HTTP_X_JPHONE_UID": value}
    assert detect(environ).subscriber_id is None


def test_ranges_are_a_setting() -> None:
    mine = GatewayRanges.from_pairs([("docomo", "192.0.2.0/24")])
    assert detect(_request("docomo", "192.0.2.5"), gateway=mine).subscriber_id == ID["docomo"]
    assert detect(_request("docomo", "210.153.84.1"), gateway=mine).subscriber_id is None
    assert detect(_request("docomo", "210.153.84.1"),
                  gateway=GatewayRanges.empty()).subscriber_id is None


def test_from_tsv_reads_comments_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "gw.tsv"
    path.write_text("# carrier\tcidr\nau\t198.51.100.0/25\n\nsoftbank\t203.0.113.8/29\n")
    ranges = GatewayRanges.from_tsv(path)
    assert ranges.contains("au", "198.51.100.127")
    assert not ranges.contains("au", "198.51.100.128")
    assert ranges.carrier_for("203.0.113.15") == "softbank"


def test_generated_table_matches_the_published_list_but_is_not_a_copy() -> None:
    require_shared_data()
    published = [line.split("\t")[:2] for line in SHARED_TSV.read_text().splitlines()
                 if line and not line.startswith("#")]
    ours = GatewayRanges.default()
    for carrier, cidr in published:
        assert ipaddress.ip_network(cidr) in ours.networks(carrier)
    assert sum(len(ours.networks(c)) for c in ours.carriers) == len(published)
    assert DEFAULT_TSV.read_bytes() != SHARED_TSV.read_bytes()
