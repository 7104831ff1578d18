"""設定: shop information, fees, wrapping, delivery slots, guest confirmation, admins."""

from . import views  # noqa: F401  (routes on admin.bp)
