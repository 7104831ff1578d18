"""商品情報 and 商品陳列棚 (P23): products (form, images, CSV in and out) and shelves."""

from . import product_csv, products, shelves  # noqa: F401  (routes on admin.bp)
