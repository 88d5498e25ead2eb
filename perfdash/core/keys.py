"""This installation's secret keys: random bytes made on first use and kept in
``settings.secrets_dir()`` (readable by the server's user only), one file per purpose.

A key never leaves the server: it is not in the repository, the database, a backup or a log
line. Several app processes on one machine share the same files; processes on several machines
need the same directory (or, for cookies, PERFDASH_COOKIE_SECRET)."""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

from perfdash.core import settings

_KEYS: dict[str, bytes] = {}
_LOCK = threading.Lock()
_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")


def key_file(purpose: str) -> Path:
    """The file holding the key for one purpose (cookie, backup)."""
    if not _NAME.fullmatch(purpose):
        raise ValueError(f"bad key purpose {purpose!r}")
    return settings.secrets_dir() / f"{purpose}.key"


def installation_key(purpose: str) -> bytes:
    """The key for ``purpose``, made (32 random bytes, hex) the first time it is asked for.
    Concurrent first uses by several processes agree: the file is created exclusively and a
    loser reads the winner's key."""
    path = key_file(purpose)
    cache_key = str(path)
    with _LOCK:
        if cache_key not in _KEYS:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
            text = path.read_text().strip()
            if len(text) < 32:  # a file being written by another process right now, or emptied
                raise RuntimeError(f"密钥文件 {path} 为空或不完整：请删除后重启（删除登录密钥会令所有人重新登录）")
            _KEYS[cache_key] = text.encode()
        return _KEYS[cache_key]


def forget() -> None:
    """Drop the keys read so far (tests that point PERFDASH_SECRETS_DIR elsewhere)."""
    with _LOCK:
        _KEYS.clear()
