"""Real User-Agent strings (and the carrier headers that came with them) per carrier.

Each case states what a user would notice: which carrier the shop thinks it is, the
model, whether the session can live in a cookie, the screen the images are sized for and
the charset the page is sent in. Sources: the carriers' developer pages as quoted in
keitai libraries' test suites and UA collections; ガラホ strings follow the Android
WebView format those handsets send ("...; KYF31 Build/..."), with real model codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SJIS, UTF8 = "Shift_JIS", "UTF-8"


@dataclass(frozen=True)
class Case:
    ua: str
    name: str
    model: str | None
    cookie: bool
    screen: tuple[int, int]
    charset: str
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    garaho: bool = False

    def environ(self, **extra: Any) -> dict[str, Any]:
        """A WSGI environ for this handset (plain http from a non-gateway address)."""
        env: dict[str, Any] = {
            "REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.url_scheme": "http",
            "REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": self.ua,
        }
        env.update(self.headers)
        env.update(extra)
        return env

    def __str__(self) -> str:  # readable pytest ids
        return self.ua[:60]


def _d(ua: str, model: str, screen: tuple[int, int], cookie: bool = False) -> Case:
    return Case(ua, "docomo", model, cookie, screen, SJIS)


DOCOMO = [
    _d("DoCoMo/1.0/D501i", "D501i", (120, 130)),
    _d("DoCoMo/1.0/D502i", "D502i", (96, 90)),
    _d("DoCoMo/1.0/D502i/c10", "D502i", (96, 90)),
    _d("DoCoMo/1.0/N503i/c10", "N503i", (118, 128)),
    _d("DoCoMo/1.0/N503i/c10/ser12345678901", "N503i", (118, 128)),
    _d("DoCoMo/1.0/SO503i/c10", "SO503i", (120, 113)),
    _d("DoCoMo/1.0/F503i/c10", "F503i", (120, 130)),
    _d("DoCoMo/1.0/P503iS/c10", "P503iS", (120, 130)),
    _d("DoCoMo/1.0/D210i/c10", "D210i", (120, 130)),
    _d("DoCoMo/1.0/SH251i/c10", "SH251i", (120, 130)),
    _d("DoCoMo/1.0/R692i/c10", "R692i", (120, 130)),
    _d("DoCoMo/1.0/D504i/c30/TD", "D504i", (120, 130)),
    _d("DoCoMo/1.0/F504i/c10/TB", "F504i", (132, 136)),
    _d("DoCoMo/1.0/N505i/c20/TB/W24H12", "N505i", (240, 270)),
    _d("DoCoMo/1.0/SH505i/c20/TB/W24H12", "SH505i", (240, 252)),
    _d("DoCoMo/1.0/N506i/c20/TB/W20H11", "N506i", (240, 295)),
    _d("DoCoMo/2.0 N2001(c10)", "N2001", (118, 128)),
    _d("DoCoMo/2.0 P2101V(c100)", "P2101V", (163, 182)),
    _d("DoCoMo/2.0 T2101V(c100)", "T2101V", (176, 144)),
    _d("DoCoMo/2.0 MST_v_SH2101V(c100;TB;W22H12)", "SH2101V", (240, 320)),
    _d("DoCoMo/2.0 N901iS(c100;TB;W24H12)", "N901iS", (240, 270)),
    _d("DoCoMo/2.0 N901iS(c100;TB;W24H12;ser123456789012345;icc12345678901234567890)",
       "N901iS", (240, 270)),
    _d("DoCoMo/2.0 SH902i(c100;TB;W24H12)", "SH902i", (240, 240)),
    _d("DoCoMo/2.0 P902i(c100;TB;W24H12)", "P902i", (240, 270)),
    _d("DoCoMo/2.0 D902i(c100;TB;W23H16)", "D902i", (230, 320)),
    _d("DoCoMo/2.0 F902i(c100;TB;W23H12)", "F902i", (230, 240)),
    _d("DoCoMo/2.0 N903i(c100;TB;W24H12)", "N903i", (240, 270)),
    _d("DoCoMo/2.0 SO903i(c100;TB;W24H18)", "SO903i", (240, 368)),
    _d("DoCoMo/2.0 SH904i(c100;TB;W24H16)", "SH904i", (240, 320)),
    _d("DoCoMo/2.0 P905i(c100;TB;W24H15)", "P905i", (240, 320)),
    _d("DoCoMo/2.0 SH906i(c100;TB;W24H16)", "SH906i", (240, 320)),
    _d("DoCoMo/2.0 SH01A(c100;TB;W24H16)", "SH01A", (240, 320)),
    _d("DoCoMo/2.0 P07A3(c500;TB;W24H15)", "P07A3", (240, 320), cookie=True),
    _d("DoCoMo/2.0 N01B(c500;TB;W24H16)", "N01B", (240, 320), cookie=True),
    _d("DoCoMo/2.0 SH09B(c500;TB;W24H16)", "SH09B", (240, 320), cookie=True),
    _d("DoCoMo/2.0 F06B(c500;TW;W24H17)", "F06B", (240, 320), cookie=True),
    _d("DoCoMo/2.0 SH03E(c500;TB;W24H16)", "SH03E", (240, 320), cookie=True),
]


def _a(ua: str, model: str, screen: tuple[int, int], pixels: str | None = None) -> Case:
    headers = {"HTTP_X_UP_DEVCAP_SCREENPIXELS": pixels} if pixels else {}
    return Case(ua, "au", model, True, screen, SJIS, headers)


AU = [
    _a("UP.Browser/3.01-HI01 UP.Link/3.2.1.2", "HI01", (120, 120)),
    _a("UP.Browser/3.04-SN12 UP.Link/3.4.4", "SN12", (120, 120)),
    _a("UP.Browser/3.04-CA13 UP.Link/3.4.5.2", "CA13", (120, 120)),
    _a("UP.Browser/3.04-TS13 UP.Link/3.4.5.2", "TS13", (120, 120)),
    _a("UP.Browser/3.04-KCT8 UP.Link/3.4.5.9", "KCT8", (120, 120)),
    _a("KDDI-HI21 UP.Browser/6.0.2.254 (GUI) MMP/1.1", "HI21", (132, 176), "132,176"),
    _a("KDDI-CA21 UP.Browser/6.0.6 (GUI) MMP/1.1", "CA21", (240, 320)),
    _a("KDDI-KC24 UP.Browser/6.0.8.3 (GUI) MMP/1.1", "KC24", (120, 160), "120,160"),
    _a("KDDI-ST22 UP.Browser/6.0.8.2 (GUI) MMP/1.1", "ST22", (240, 320)),
    _a("KDDI-SN26 UP.Browser/6.2.0.3.2 (GUI) MMP/2.0", "SN26", (240, 268), "240,268"),
    _a("KDDI-SA31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0", "SA31", (240, 320), "240,320"),
    _a("KDDI-SH31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0", "SH31", (240, 320)),
    _a("KDDI-CA37 UP.Browser/6.2.0.5 (GUI) MMP/2.0", "CA37", (240, 346), "240,346"),
    _a("KDDI-HI3B UP.Browser/6.2.0.10.4 (GUI) MMP/2.0", "HI3B", (240, 320)),
    _a("KDDI-SN3F UP.Browser/6.2.0.13.1.5 (GUI) MMP/2.0", "SN3F", (240, 368), "240,368"),
    _a("KDDI-SH3I UP.Browser/6.2_7.2.7.1.K.3.350 (GUI) MMP/2.0", "SH3I", (240, 400),
       "240,400"),
    _a("KDDI-KC3Z UP.Browser/6.2_7.2.7.1.K.4.304 (GUI) MMP/2.0", "KC3Z", (240, 320)),
    _a("KDDI-TS3H UP.Browser/6.2_7.2.7.1.K.1.1.100 (GUI) MMP/2.0", "TS3H", (480, 800),
       "480,800"),
    _a("KDDI-CA3C UP.Browser/6.2.0.10.3.5 (GUI) MMP/2.0", "CA3C", (240, 320), "junk"),
]


def _s(ua: str, model: str, screen: tuple[int, int], display: str | None = None,
       *, cookie: bool = True, charset: str = UTF8) -> Case:
    headers = {"HTTP_X_JPHONE_DISPLAY": display} if display else {}
    return Case(ua, "softbank", model, cookie, screen, charset, headers)


SN = "SN123456789012345"
SOFTBANK = [
    _s("J-PHONE/2.0/J-DN02", "J-DN02", (120, 130), cookie=False, charset=SJIS),
    _s("J-PHONE/2.0/J-P02", "J-P02", (96, 64), "96*64", cookie=False, charset=SJIS),
    _s("J-PHONE/3.0/J-SH07", "J-SH07", (120, 130), cookie=False, charset=SJIS),
    _s("J-PHONE/3.0/V301D", "V301D", (120, 130), "120*130", cookie=False, charset=SJIS),
    _s("J-PHONE/4.0/J-SH51/SNJSHA3029293 SH/0001aa Profile/MIDP-1.0 Configuration/CLDC-1.0 "
       "Ext-Profile/JSCL-1.1.0", "J-SH51", (240, 270), "240*270", cookie=False, charset=SJIS),
    _s("J-PHONE/4.2/V601SH/SNJSHA3029293 SH/0001a Profile/MIDP-1.0 Configuration/CLDC-1.0 "
       "Ext-Profile/JSCL-1.2.2", "V601SH", (240, 320), "240*320", cookie=False, charset=SJIS),
    _s("J-PHONE/4.3/V602SH/SNJSHA3029293 SH/0001aa Profile/MIDP-1.0 Configuration/CLDC-1.0 "
       "Ext-Profile/JSCL-1.3.2", "V602SH", (240, 320), "240*320", cookie=False, charset=SJIS),
    _s("J-PHONE/5.0/V801SA/SN123456789012 SA/0001JP Profile/MIDP-1.0 Configuration/CLDC-1.0 "
       "Ext-Profile/JSCL-1.3.2", "V801SA", (240, 320), cookie=False, charset=SJIS),
    _s("Vodafone/1.0/V702NK/NKJ001 Series60/2.6 Nokia6630/2.39.148 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "V702NK", (176, 208), "176*208"),
    _s(f"Vodafone/1.0/V802SE/SEJ001/{SN} Browser/SEMC-Browser/4.1 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "V802SE", (240, 320)),
    _s(f"Vodafone/1.0/V802N/NJ001/{SN} Browser/UP.Browser/7.0.2.1.258 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1 Ext-J-Profile/JSCL-1.2.2 Ext-V-Profile/VSCL-2.0.0",
       "V802N", (240, 320)),
    _s(f"Vodafone/1.0/V903SH/SHJ001/{SN} Browser/UP.Browser/7.0.2.1 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1 Ext-J-Profile/JSCL-1.2.2 Ext-V-Profile/VSCL-2.0.0",
       "V903SH", (240, 320), "240*320"),
    _s(f"Vodafone/1.0/V904SH/SHJ001/{SN} Browser/NetFront/3.3 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "V904SH", (480, 640), "480*640"),
    _s(f"Vodafone/1.0/V705SH/SHJ001/{SN} Browser/NetFront/3.3 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "V705SH", (240, 320)),
    _s(f"SoftBank/1.0/910T/TJ001/{SN} Browser/NetFront/3.3 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "910T", (240, 320), "240*320"),
    _s(f"SoftBank/1.0/911SH/SHJ001/{SN} Browser/NetFront/3.4 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "911SH", (480, 640), "480*640"),
    _s(f"SoftBank/1.0/812SH/SHJ001/{SN} Browser/NetFront/3.3 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "812SH", (240, 320)),
    _s("SoftBank/1.0/705P/PJP10 Browser/Teleca-Browser/3.1 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "705P", (240, 320)),
    _s(f"SoftBank/1.0/821SC/SCJ001/{SN} Browser/NetFront/3.4 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "821SC", (240, 400), "240*400"),
    _s(f"SoftBank/1.0/930SH/SHJ001/{SN} Browser/NetFront/3.5 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "930SH", (480, 854), "480*854"),
    _s(f"SoftBank/2.0/945SH/SHJ001/{SN} Browser/NetFront/3.5 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "945SH", (480, 854), "480*854"),
    _s(f"SoftBank/1.0/001SH/SHJ001/{SN} Browser/NetFront/3.5 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "001SH", (240, 320), "0*0"),
    _s(f"SoftBank/2.0/102SH/SHJ001/{SN} Browser/NetFront/3.5 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "102SH", (480, 854), "480*854"),
    _s(f"Semulator/1.0/814SH/SHJ001/{SN} Browser/NetFront/3.4 Profile/MIDP-2.0 "
       "Configuration/CLDC-1.1", "814SH", (240, 320)),
    _s("MOT-V980/80.2F.2E. MIB/2.2.1 Profile/MIDP-2.0 Configuration/CLDC-1.1", "V980",
       (176, 204), "176*204"),
    _s("MOT-C980/80.2B.04I MIB/2.2.1 Profile/MIDP-2.0 Configuration/CLDC-1.1", "C980",
       (240, 320)),
]


def _w(ua: str, model: str) -> Case:
    return Case(ua, "willcom", model, True, (240, 320), SJIS)


WILLCOM = [
    _w("Mozilla/3.0(DDIPOCKET;JRC/AH-J3001V,AH-J3002V/1.0/0100/c50)CNF/2.0", "AH-J3001V"),
    _w("Mozilla/3.0(DDIPOCKET;KYOCERA/AH-K3001V/1.8.2.71.000000/0.1/C100) Opera 7.0",
       "AH-K3001V"),
    _w("Mozilla/3.0(DDIPOCKET;KYOCERA/AH-K3002V/1.8.2.71.000000/0.1/C100) Opera 7.0",
       "AH-K3002V"),
    _w("Mozilla/3.0(WILLCOM;KYOCERA/WX310K/2;1.2.2.16.000000/0.1/C100) Opera 7.0", "WX310K"),
    _w("Mozilla/3.0(WILLCOM;SANYO/WX310SA/2;1/1/C128) NetFront/3.3", "WX310SA"),
    _w("Mozilla/3.0(WILLCOM;JRC/WX310J/2;1/1/C128) NetFront/3.3", "WX310J"),
    _w("Mozilla/3.0(WILLCOM;KYOCERA/WX320K/2;2.0.2.11.000000/1/C256) NetFront/3.4",
       "WX320K"),
    _w("Mozilla/3.0(WILLCOM;TOSHIBA/WX320T/2;1/1/C128) NetFront/3.4", "WX320T"),
    _w("Mozilla/3.0(WILLCOM;KYOCERA/WX330K/2;3.0.3.11.000000/1/C256) NetFront/3.4",
       "WX330K"),
    _w("Mozilla/3.0(WILLCOM;SANYO/WX331SA/2;1/1/C128) NetFront/3.4", "WX331SA"),
]

_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"


def _p(ua: str, model: str | None, *, garaho: bool = False) -> Case:
    screen = (480, 854) if garaho else (360, 640)
    return Case(ua, "smartphone", model, True, screen, UTF8, garaho=garaho)


SMARTPHONE = [
    _p("Mozilla/5.0 (iPhone; U; CPU iPhone OS 4_0 like Mac OS X; ja-jp) AppleWebKit/532.9 "
       "(KHTML, like Gecko) Version/4.0.5 Mobile/8A293 Safari/6531.22.7", "iPhone"),
    _p("Mozilla/5.0 (iPhone; CPU iPhone OS 12_4 like Mac OS X) AppleWebKit/605.1.15 "
       "(KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1", "iPhone"),
    _p("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
       "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "iPhone"),
    _p("Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5 like Mac OS X) AppleWebKit/605.1.15 "
       "(KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1", "iPod"),
    _p("Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
       "Gecko) Version/12.1 Mobile/15E148 Safari/604.1", "iPad"),
    _p("Mozilla/5.0 (Linux; U; Android 2.1-update1; ja-jp; SonyEricssonSO-01B "
       "Build/2.0.B.0.138) AppleWebKit/530.17 (KHTML, like Gecko) Version/4.0 Mobile "
       "Safari/530.17", "SonyEricssonSO-01B"),
    _p("Mozilla/5.0 (Linux; U; Android 2.3.4; ja-jp; IS04 Build/FGK500) AppleWebKit/533.1 "
       "(KHTML, like Gecko) Version/4.0 Mobile Safari/533.1", "IS04"),
    _p("Mozilla/5.0 (Linux; U; Android 4.0.4; ja-jp; SC-06D Build/IMM76D) "
       "AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30", "SC-06D"),
    _p(f"Mozilla/5.0 (Linux; Android 13; SO-51C) {_WEBKIT} Chrome/116.0.0.0 Mobile "
       "Safari/537.36", "SO-51C"),
    _p(f"Mozilla/5.0 (Linux; Android 14; Pixel 7) {_WEBKIT} Chrome/120.0.6099.43 Mobile "
       "Safari/537.36", "Pixel 7"),
    _p(f"Mozilla/5.0 (Linux; Android 10; K) {_WEBKIT} Chrome/120.0.0.0 Mobile "
       "Safari/537.36", "K"),
    _p("Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; "
       "ARM; Touch; NOKIA; Lumia 920)", None),
    # ガラホ (4G feature phones with Android inside)
    _p(f"Mozilla/5.0 (Linux; Android 5.1; KYF31 Build/102.0.0200) {_WEBKIT} Version/4.0 "
       "Chrome/39.0.0.0 Mobile Safari/537.36", "KYF31", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 8.1.0; KYF37 Build/3.030VE.0100.a) {_WEBKIT} "
       "Version/4.0 Chrome/61.0.3163.98 Mobile Safari/537.36", "KYF37", garaho=True),
    _p("Mozilla/5.0 (Linux; Android 5.1.1; KYF33 Build/XXXX; wv) AppleWebkit/537.36 "
       "(KHTML, like Gecko) Version/4.0 Chrome/46.0.2490.76 Mobile Safari/537.36", "KYF33",
       garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 5.1; SHF31 Build/S4040) {_WEBKIT} Version/4.0 "
       "Chrome/39.0.0.0 Mobile Safari/537.36", "SHF31", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 5.1.1; SHF33 Build/S5060) {_WEBKIT} Version/4.0 "
       "Chrome/39.0.0.0 Mobile Safari/537.36", "SHF33", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 5.1.1; SH-01J Build/S0016) {_WEBKIT} Version/4.0 "
       "Chrome/39.0.0.0 Mobile Safari/537.36", "SH-01J", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 7.1.1; SH-02K Build/S3180) {_WEBKIT} Version/4.0 "
       "Chrome/58.0.3029.83 Mobile Safari/537.36", "SH-02K", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 5.1; P-01J Build/V23R33B) {_WEBKIT} Version/4.0 "
       "Chrome/39.0.0.0 Mobile Safari/537.36", "P-01J", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 8.1.0; F-03L Build/V05R078A) {_WEBKIT} Version/4.0 "
       "Chrome/64.0.3282.137 Mobile Safari/537.36", "F-03L", garaho=True),
    _p(f"Mozilla/5.0 (Linux; Android 6.0.1; 601SH Build/S2210) {_WEBKIT} Version/4.0 "
       "Chrome/44.0.2403.133 Mobile Safari/537.36", "601SH", garaho=True),
]


def _pc(ua: str) -> Case:
    return Case(ua, "pc", None, True, (1024, 768), UTF8)


PC = [
    _pc(f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/120.0.0.0 "
        "Safari/537.36"),
    _pc("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"),
    _pc("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Safari/605.1.15"),
    _pc(f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/120.0.0.0 "
        "Safari/537.36 Edg/120.0.2210.61"),
    _pc("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko"),
    _pc("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"),
    _pc("Opera/9.80 (Windows NT 6.1; U; ja) Presto/2.10.229 Version/11.60"),
    _pc("curl/7.88.1"),
    _pc("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    _pc(""),
]

ALL = DOCOMO + AU + SOFTBANK + WILLCOM + SMARTPHONE + PC
