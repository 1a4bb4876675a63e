"""engine/progress/files.py and the store at rest (issue 21): the data folder 0700, progress.db with its
-wal and -shm files 0600 whatever the umask, and only a hash of each learner code in the database."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import inspect, text

from engine.progress.store import Store


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual default: files 644, folders 755
    yield
    os.umask(old)


def test_a_new_data_folder_and_database_are_private(tmp_path, monkeypatch, open_umask):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("LORA_LAB_DATA", str(data))
    store = Store()
    store.learner("Ana")  # a write: the -wal and -shm files exist now
    files = sorted(p.name for p in data.iterdir())
    assert files == ["progress.db", "progress.db-shm", "progress.db-wal"]
    assert mode(data) == 0o700
    assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
    store.close()


def test_an_existing_database_readable_by_others_is_tightened(tmp_path, open_umask):
    named = tmp_path / "shared"
    named.mkdir(mode=0o755)
    Store(f"sqlite:///{named / 'progress.db'}").close()
    (named / "progress.db").chmod(0o644)
    Store(f"sqlite:///{named / 'progress.db'}").close()
    assert mode(named / "progress.db") == 0o600
    assert mode(named) == 0o755  # a folder the operator named and made keeps the mode they gave it


def test_the_default_data_folder_is_tightened_when_it_exists(tmp_path, monkeypatch, open_umask):
    from engine.progress import store as store_module

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LORA_LAB_DATA", raising=False)
    monkeypatch.setattr(store_module, "PROJECT", tmp_path)
    (tmp_path / "data").mkdir(mode=0o755)  # as an older version left it
    Store().close()
    assert mode(tmp_path / "data") == 0o700


def test_only_a_hash_of_each_code_is_stored(tmp_path):
    path = tmp_path / "progress.db"
    store = Store(f"sqlite:///{path}")
    ana = store.learner("Ana")
    assert "code" not in [c["name"] for c in inspect(store.engine).get_columns("learners")]
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT code_hash FROM learners")).scalar()
    assert len(stored) == 64 and ana.code not in stored
    assert store.learner_by_code(ana.code) == ana and store.learner_by_id(ana.id).code == ""
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert ana.code.encode() not in raw  # nor in the -wal file or anywhere else on disk
