"""Reading a password from the file a practice setting names, at the moment it is needed.

The file is the practice's (outside the data folder): it may since have been replaced by a FIFO, a device or
something huge, so it is opened without waiting, must be a plain small file, and must hold UTF-8 text.
"""

from __future__ import annotations

import os
import stat

LONGEST = 4096  # far more than any password; a bigger file is not one


class Unreadable(ValueError):
    """The password file cannot be used; the message says why, in one line, without the password."""


def read_password(path: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Unreadable(f"cannot read the password file {path}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"the password file {path} is not a plain file")
        if st.st_size > LONGEST:
            raise Unreadable(f"the password file {path} is {st.st_size} bytes: too big to hold a password")
        data = os.read(fd, LONGEST + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read the password file {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        password = data.decode("utf-8").rstrip("\r\n")  # a trailing newline is the editor's
    except UnicodeDecodeError:
        raise Unreadable(f"the password file {path} is not UTF-8 text") from None
    if not password:
        raise Unreadable(f"the password file {path} is empty")
    return password
