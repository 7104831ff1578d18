"""A new instance folder: the real ``ktaishop`` command creates what it needs to write."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

KTAISHOP = Path(sys.executable).parent / "ktaishop"


def ktaishop(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a new user would, with only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KTAISHOP_")}
    return subprocess.run([str(KTAISHOP), *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _console_script():
    assert KTAISHOP.exists(), f"the ktaishop command is not installed beside {sys.executable}"


def test_init_db_in_a_new_instance_folder_with_the_secret_key_given(tmp_path):
    result = ktaishop(tmp_path, "init-db", KTAISHOP_SECRET_KEY="a-key-from-the-environment",
                      KTAISHOP_INSTANCE_PATH="new-dir")
    assert result.returncode == 0, result.stderr
    assert "データベースを最新の状態にしました。" in result.stdout
    folder = tmp_path / "new-dir"
    assert mode(folder) == 0o700
    assert {"orders", "products", "members", "outbox"} <= tables(folder / "ktaishop.db")
    assert not (folder / "secret_key").exists()  # the given key is used, none is written


def test_init_db_makes_nested_folders_and_keeps_a_generated_key_private(tmp_path):
    result = ktaishop(tmp_path, "init-db", KTAISHOP_INSTANCE_PATH="shop/var/instance")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "shop" / "var" / "instance"
    assert mode(folder) == 0o700
    assert mode(folder / "secret_key") == 0o600
    assert "orders" in tables(folder / "ktaishop.db")
    again = ktaishop(tmp_path, "init-db", KTAISHOP_INSTANCE_PATH="shop/var/instance")
    assert again.returncode == 0, again.stderr  # an existing folder is fine too


def test_a_sqlite_database_outside_the_instance_folder_gets_its_folder(tmp_path):
    database = tmp_path / "data" / "shop.db"
    result = ktaishop(tmp_path, "init-db", KTAISHOP_SECRET_KEY="k",
                      KTAISHOP_DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert "orders" in tables(database)
    assert (tmp_path / "instance").is_dir()  # uploads and mail files go there by default
