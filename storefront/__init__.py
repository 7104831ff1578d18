"""The shopper's blueprint: browse, cart, checkout, members (served through carrier_compat).

Keitai get XHTML-MP from ``templates_mobile/``, smartphones, ガラホ and PCs the same pages
as HTML5 (storefront.faces); the keitai layer picks the charset, emoji and session
handling per handset. Requests for another Host are refused here
(DNS-rebinding defence for かんたんログイン); the admin has its own login.

``bp`` is the blueprint; each page module adds its routes to it. The factory registers
``storefront.routes.bp``: that module imports every page module, so this package
imports none of them and a page module may import ``bp`` from here without a cycle.
"""

from __future__ import annotations

from flask import Blueprint

from ktaishop.extensions import csrf

bp = Blueprint("storefront", __name__, template_folder="../templates_mobile",
               # The HTML5 face's stylesheet and script (storefront.faces).
               static_folder="static", static_url_path="/assets")
# Forms are checked in edge.check_form_token instead: the same token, without
# Flask-WTF's HTTPS Referer rule, because i-mode browsers send no Referer at all.
csrf.exempt(bp)
