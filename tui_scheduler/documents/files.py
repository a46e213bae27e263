"""Writing a document to the one path a person named, and nowhere else.

The path is outside the data folder and may be in a shared place (/tmp, a shared drive), so it is
opened without following a symbolic link, only a plain file is ever replaced (never a folder, a device,
a pipe, or a file with other names through hard links), and the whole document is ready before the file
is touched.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..core.errors import BadInput, Refused

# A superbill holds a diagnosis: readable by the person who made it only, until they hand it on.
DOCUMENT_MODE = 0o600


def write_document(path: Path, payload: bytes) -> None:
    path = path.expanduser()
    if not path.parent.is_dir():
        raise BadInput(f"no folder {path.parent} to write {path.name} into")
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise BadInput(f"cannot use {path}: {exc.strerror or exc}") from None
    if found is not None:
        _must_be_plain(path, found)
    try:
        # O_NONBLOCK: a pipe put there since the look above must not hang us; it is refused below
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, DOCUMENT_MODE)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise Refused(f"{path} is not a plain file; not replacing it") from None
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        _must_be_plain(path, os.fstat(fd))
        os.ftruncate(fd, 0)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _must_be_plain(path: Path, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise Refused(f"{path} is a symbolic link; not writing through it")
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a plain file"
        raise Refused(f"{path} is {what}; not replacing it")
    if st.st_nlink > 1:
        raise Refused(f"{path} has other names (hard links); not replacing it")
