"""顧客管理 (P26): members - list and search, detail, edit, 停止/退会, CSV."""

from . import views  # noqa: F401  (routes on admin.bp)
