"""Hole 10 (issue #13): the shop's files hold customers' data and links that act for
them; they are created readable by the shop's user only (files 0600, folders 0700),
whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from ktaishop.mail.transport import FileTransport

KTAISHOP = Path(sys.executable).parent / "ktaishop"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_journal_are_private(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KTAISHOP_")}
    env |= {"KTAISHOP_INSTANCE_PATH": str(tmp_path / "instance"), "KTAISHOP_SECRET_KEY": "k"}
    for command in (["init-db"], ["seed-demo"]):
        done = subprocess.run([str(KTAISHOP), *command], env=env, capture_output=True,
                              text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
        assert done.returncode == 0, done.stderr
    folder = tmp_path / "instance"
    assert mode(folder) == 0o700
    database_files = list(folder.glob("ktaishop.db*"))
    assert folder / "ktaishop.db" in database_files
    assert all(mode(path) == 0o600 for path in database_files), {
        p.name: oct(mode(p)) for p in database_files}


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    from ktaishop.settings import make_folders

    database = tmp_path / "old" / "ktaishop.db"
    database.parent.mkdir()
    database.write_bytes(b"")
    database.chmod(0o644)
    make_folders(tmp_path / "old", {"DATABASE_URL": f"sqlite:///{database}"})
    assert mode(database) == 0o600


def test_mail_files_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        FileTransport(tmp_path / "mail").send(b"Subject: x\r\n\r\nhttp://shop/reset/abc\r\n",
                                              "shop@example.jp", ["taro@docomo.ne.jp"])
    finally:
        os.umask(old)
    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert mode(written) == 0o600 and mode(tmp_path / "mail") == 0o700
