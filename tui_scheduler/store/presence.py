"""Whether another process is still at work: a lock file it holds for as long as it runs.

A sender of reminders marks the messages it has claimed with its run's token. Another sender must tell a
claim of a live run (leave it alone) from one of a run that was killed (send it again). The run holds an
exclusive flock on `.run-<token>.lock` in the data folder; the kernel drops it when the process dies, however
it dies, so "can I lock it?" answers "is it gone?" without guessing from times.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..core.errors import DataFolderError
from .files import FILE_MODE, describe_os_error


def _path(folder: Path, token: str) -> Path:
    return folder / f".run-{token}.lock"


@contextmanager
def running(folder: Path) -> Iterator[str]:
    """Hold a fresh token's lock for the block; yields the token."""
    token = secrets.token_hex(8)
    path = _path(folder, token)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise DataFolderError(describe_os_error(exc, path, "creating")) from None
    try:
        yield token
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def alive(folder: Path, token: str) -> bool:
    """Whether the run with this token is still going; a dead run's lock file is removed."""
    if not token or not all(c in "0123456789abcdef" for c in token):
        return False
    path = _path(folder, token)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        os.unlink(path)
    except OSError:
        pass
    return False
