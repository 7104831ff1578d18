"""メール設定 (P13, P27) and メール配信 (P27): the shop's mail templates and its newsletters.

``templates`` is メール設定, with ``profiles`` (the 配信形式 per carrier and the
previews of both profiles); ``newsletters`` (with its forms and per-carrier previews)
is メール配信. Building and sending mail is the core's (``ktaishop.mail``).
"""

from . import newsletters, profiles, templates  # noqa: F401  (routes on admin.bp)
