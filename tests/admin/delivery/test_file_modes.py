"""Hole 10 (issue #13): an uploaded order CSV (names, addresses) is kept 0600 in a 0700
folder whatever the process umask."""

from __future__ import annotations

import os
import stat

from .conftest import upload
from .test_upload import sample_file, waiting_instructed


def test_an_uploaded_csv_is_private_to_the_shop(shop, db, upload_dir):
    order = waiting_instructed(db)[0]
    old = os.umask(0o022)
    try:
        answer = upload(shop, sample_file([f"{order.order_no},5555,,,,,"]))
    finally:
        os.umask(old)
    assert answer.status_code == 200
    [kept] = list(upload_dir.glob("*.csv"))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(upload_dir.stat().st_mode) == 0o700
