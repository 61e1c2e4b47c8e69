"""The cache key: 32 random bytes in a file only its owner may read (0600, in a 0700 folder).

On a production kiosk the service runs as root and the file lives under ``/var/lib/kiosk``, so
only root can read it. A key file that group or others can read is refused rather than used.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from offline_cache.errors import KeyFileError

KEY_BYTES = 32


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path``, creating it (0600, atomically) when it does not exist."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made the key first: use theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"cache key {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); "
            "it must be 0600"
        )
    if st.st_uid != os.geteuid():
        raise KeyFileError(f"cache key {path} belongs to another user")
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"cache key {path} is damaged ({len(key)} bytes)")
    return key
