"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from carrier_compat.flask import KeitaiLayer

from .clients import client_key
from .db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
keitai = KeitaiLayer()
# Rate limits on mail a visitor can cause; bound with its storage in ktaishop.ratelimit.
limiter = Limiter(key_func=client_key)
