"""操作ログ: the admin's record of who did what (models.audit); search only, never edit."""

from . import views  # noqa: F401  (routes on admin.bp)
