"""注文 (P7–P17, P24, P25, P28): 注文一覧 and its search, 詳細, 訂正, 取消, per-order
メール送信, the two CSV downloads (注文情報ダウンロード, ダウンロード) and 納品書.

``views`` holds the screens, ``bulk`` the list's 一括操作, ``search`` the criteria and
their SQL, ``order_csv`` the file's columns and writer, ``forms`` the forms. Importing
the package registers the screens' routes on the admin blueprint.
"""

from . import bulk, downloads, invoices, mail, payment, views  # noqa: F401  (routes on admin.bp)
