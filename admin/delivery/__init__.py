"""配送 (P18–P22): 配送一覧, 出荷結果 per order, 出荷結果登録 by CSV upload, 出荷通知メール送信.

Screens: ``views`` (the list, the sample CSV, 出荷結果 per order), ``upload`` (the CSV's
preview and 確定), ``notice`` (出荷通知メール送信). Their rules: ``upload_plan`` (what a
file will do, judged and applied), ``notice_mail`` (sending the notices), ``slips``
(one slip field's cleaning, shared by the form and the file).
"""

from . import notice, upload, views  # noqa: F401  (routes on admin.bp)
