"""売上集計 (beyond the manual, as EC-CUBE and Shopify admins have it): sales over a period
by day or month, product, carrier and payment method, with a chart and a CSV.

``sales`` holds the period and the aggregation, ``views`` the screen and the download.
Importing the package registers the screens' routes on the admin blueprint.
"""

from . import views  # noqa: F401  (routes on admin.bp)
