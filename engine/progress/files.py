"""The progress database at rest: a private data folder, private files, and a refusal to open a
file that is not a SQLite database.

    private_folder(path, ours=)   created with mode 0700; an existing one tightened when it is ours
    private_database(path)        progress.db made (empty) with mode 0600 before SQLite opens it,
                                  and an older one, with its -wal and -shm files, tightened to 0600
    check_sqlite_file(path)       StoreError for a file whose header is not SQLite's

SQLite's unix VFS creates a database's -wal and -shm files with the permissions of the database
file itself (sqlite.org, os_unix.c findCreateFileMode), so creating progress.db with 0600 first
keeps all three private whatever the server's umask. The database holds learners' answers and
the hashes of their codes: nobody but the server's user should read it (issue 21).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"  # first 16 bytes of every SQLite database (sqlite.org/fileformat.html)
COMPANIONS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside the database


class NotADatabase(RuntimeError):
    """The file at a database path is something else; it was left untouched."""


def private_folder(path: Path, *, ours: bool) -> None:
    """Create `path` (and its parents) with mode 0700. An existing folder is tightened only when it
    is `ours` (the default data folder, or one this call created): a folder the operator named,
    such as /srv/shared, keeps the modes they gave it."""
    created = not path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (ours or created) and path.stat().st_mode & 0o077 and _mine(path):
        path.chmod(0o700)


def private_database(path: Path) -> None:
    """Make the database file with mode 0600 if it is missing; tighten it and its companions otherwise."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for file in [path] + [path.with_name(path.name + suffix) for suffix in COMPANIONS]:
        try:
            info = file.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and info.st_uid == os.getuid():
            file.chmod(0o600)


def _mine(path: Path) -> bool:
    return path.stat().st_uid == os.getuid()


def check_sqlite_file(path: Path) -> None:
    """Refuse, without touching it, a file that is not a SQLite database."""
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotADatabase(f"Progress database {path} is not a SQLite database (its header is {header[:16]!r}). "
                           f"It was left untouched: move it aside or restore it from a backup, then restart.")


def os_reason(exc: OSError) -> str:
    """"a folder is in the way" rather than a raw IsADirectoryError; strerror, not the repr."""
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename or 'the database path'} is a folder, not a file"
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return f"{exc.filename or 'a parent of the database path'} is a file, not a folder"
    return f"{exc.strerror or type(exc).__name__} ({exc.filename})" if exc.filename else str(exc)
