"""The storefront's two faces of one set of views: keitai (XHTML-MP) and HTML5.

Keitai handsets get ``templates_mobile/`` exactly as it is. Smartphones, ガラホ and PCs
(every carrier class that is not keitai) get the same page templates rendered by a second
Jinja environment, an overlay of the app's, whose loader looks in
``templates_mobile/html5/`` first:

* ``html5/base.html`` is the HTML5 layout every page extends as ``base.html``;
* ``html5/_macros.html`` holds the form controls and photos the pages import as
  ``_macros.html`` (labels, ``type``, ``inputmode``, ``autocomplete``, ``srcset``);
* a page whose markup must differ (photo grids, forms) is ``html5/<name>``, which extends
  the shared page as ``shared/<name>`` and fills only the blocks that differ. Everything
  else of the page, its wording and any partial it includes, is the shared page's.

The views never know which face they render: :func:`page_template` picks it.
"""

from __future__ import annotations

from collections import ChainMap
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, Template
from markupsafe import Markup

from carrier_compat.base import Carrier
from carrier_compat.flask import current_carrier
from carrier_compat.input_mode import accesskey_link
from ktaishop.postcode import PREFECTURES

from .address import address_parts
from .photos import photo_srcset
from .qr import qr_svg

HTML5_FOLDER = Path(__file__).resolve().parent.parent / "templates_mobile" / "html5"
SHARED_PREFIX = "shared"
_EXTENSION = "storefront.html5_templates"
# Keyboards for the keitai layer's input kinds (input_mode() in the shared pages).
INPUTMODES = {"numeric": "numeric"}


def is_html5(carrier: Carrier) -> bool:
    """Smartphones, ガラホ and PCs: the HTML5 face; keitai keep XHTML-MP."""
    return not carrier.is_keitai


def page_template(name: str) -> str | Template:
    """The template to render for page ``name`` on this request's face."""
    if not is_html5(current_carrier()):
        return name
    return html5_templates(current_app).get_template(name)


def html5_templates(app: Flask) -> Environment:
    """The HTML5 face's environment (made once per app, on first use)."""
    environment = app.extensions.get(_EXTENSION)
    if environment is None:
        base = app.jinja_env
        assert base.loader is not None
        loader = ChoiceLoader([
            FileSystemLoader(HTML5_FOLDER),
            PrefixLoader({SHARED_PREFIX: base.loader}),
            base.loader,
        ])
        environment = base.overlay(loader=loader)
        environment.globals = ChainMap(_html5_globals(), base.globals)  # type: ignore[assignment]
        app.extensions[_EXTENSION] = environment
    return environment


def _html5_globals() -> dict[str, Any]:
    return {
        "accesskey_link": _accesskey_link,
        "input_mode": _input_mode,
        "address_parts": address_parts,
        "prefectures": PREFECTURES,
        "photo_srcset": photo_srcset,
        "qr_svg": qr_svg,
    }


def _accesskey_link(href: str, label: str, key: str, *, emoji: bool = False,
                    class_: str = "") -> Markup:
    """ガラホ keep the keitai pages' numbered keys; touch screens and mice get a plain link.

    ``class_`` (the HTML5 face's own pages only) styles the link, e.g. as a button.
    """
    if current_carrier().is_garaho:
        link = accesskey_link(href, label, key, emoji=emoji)
    else:
        link = Markup('<a href="%s">%s</a>') % (href, label)
    if class_:
        link = Markup(link.replace("<a ", Markup('<a class="%s" ') % class_, 1))
    return link


def _input_mode(kind: str) -> Markup:
    """The keyboard a keitai field asks for, as HTML's ``inputmode``."""
    mode = INPUTMODES.get(kind)
    return Markup(' inputmode="%s"') % mode if mode else Markup("")
