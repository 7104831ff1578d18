"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from carrier_compat.flask import KeitaiLayer

from .db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
keitai = KeitaiLayer()
