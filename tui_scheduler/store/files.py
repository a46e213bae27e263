"""Reading and writing single data files: parse or explain, write durably, never leave a torn file."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

import orjson

from ..core.errors import BadInput, DataFolderError

# Medical data: the owner and the practice's group may read and write, nobody else.
FILE_MODE = 0o660
DIR_MODE = 0o2770


def describe_os_error(exc: OSError, path: Path, doing: str, saved: bool = False) -> str:
    """One line for a person. `saved`: the failure came after a transaction's commit point."""
    outcome = "the change is saved and will be finished when the folder is next used" if saved \
        else "nothing was changed"
    if exc.errno == errno.ENOSPC:
        return f"the disk is full while {doing} {path}: {outcome}"
    if exc.errno == errno.EDQUOT:
        return f"the disk quota is used up while {doing} {path}: {outcome}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission for {doing} {path} (is your account in the practice's group?)"
    if exc.errno == errno.EROFS:
        return f"the data folder is on a read-only filesystem ({path}): {outcome}"
    return f"failed {doing} {path}: {exc.strerror or exc}"


def read_json(path: Path):
    """The parsed content of a data file, or None when it does not exist yet.

    A file that exists but is empty, truncated or not JSON is damaged: say so, naming it, and leave it.
    """
    try:
        raw = read_plain(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise DataFolderError(f"{path} should be a file but is a folder") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataFolderError(f"{path} is a symbolic link; the data folder holds plain files only. It was "
                                  f"left untouched") from None
        raise DataFolderError(describe_os_error(exc, path, "reading")) from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        what = "empty" if not raw.strip() else f"not valid JSON ({exc})"
        raise DataFolderError(
            f"{path} is damaged: {what}. It was left untouched; restore it from a backup or move it aside"
        ) from None
    if data is None:  # None means "no file yet" to callers: a file holding only null must not pass for that
        raise DataFolderError(f"{path} is damaged: it holds only null. It was left untouched; restore it "
                              f"from a backup or move it aside")
    return data


def read_plain(path: Path) -> bytes:
    """The bytes of a file, never through a symbolic link: another member of the group could plant one
    that points into someone's home folder."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def make_dir(path: Path) -> None:
    """A folder the practice's group can share; setgid so new files take the folder's group. An existing
    one must be a plain folder: a symbolic link would send our writes somewhere else."""
    if path.is_symlink():
        raise DataFolderError(f"{path} is a symbolic link; the data folder holds plain folders only. Nothing "
                              f"was changed")
    if not path.is_dir():
        path.mkdir(parents=True)
        os.chmod(path, DIR_MODE)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new(path: Path, payload: bytes) -> None:
    """Create `path` (which must not exist) with `payload`, flushed to disk before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(path)
        raise
    os.close(fd)


def replace_atomically(path: Path, payload: bytes, tag: str) -> None:
    """Write a whole file so that readers see either the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}{tag}")
    _unlink_quietly(tmp)  # left by a writer that died here; we hold the lock, so it is nobody's now
    write_new(tmp, payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(path.parent)


def write_named(path: Path, payload: bytes) -> None:
    """Write a file a person named (an export, a backup): a plain file is replaced whole, atomically (a
    program watching it never reads half); a FIFO or a character device (/dev/null) is written into, never
    replaced; anything else, a symbolic link included, is refused with the reason."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BadInput(describe_os_error(exc, path, "writing")) from None
    try:
        if st is None or stat.S_ISREG(st.st_mode):
            replace_atomically(path, payload, f".tmp-{os.getpid()}")
        elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            _write_into(path, payload)
        elif stat.S_ISLNK(st.st_mode):
            raise BadInput(f"{path} is a symbolic link (to {os.readlink(path)}); nothing is written through a "
                           f"link: give the file it points to, or '-' for standard output")
        elif stat.S_ISDIR(st.st_mode):
            raise BadInput(f"{path} is a folder; give the file to write")
        else:
            raise BadInput(f"{path} is a {'block device' if stat.S_ISBLK(st.st_mode) else 'socket'}; only a "
                           f"plain file, a FIFO or a character device is written")
    except OSError as exc:
        raise BadInput(describe_os_error(exc, path, "writing")) from None


def _write_into(path: Path, payload: bytes) -> None:
    """Write into a FIFO or device as it is. Opened without blocking, so a FIFO nobody reads is said
    rather than waited on; then written with blocking, at the reader's pace."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise BadInput(f"{path} is a FIFO that no program is reading; start the reader first") from None
        raise
    try:
        if not (stat.S_ISFIFO(os.fstat(fd).st_mode) or stat.S_ISCHR(os.fstat(fd).st_mode)):
            raise BadInput(f"{path} changed while it was being opened; nothing was written")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def append_line(path: Path, payload: bytes) -> None:
    """Lines appended whole. A line cut short before (a full disk, a hand's edit) is ended first, so the
    new line is never glued to it and lost with it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, FILE_MODE)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            os.fchmod(fd, FILE_MODE)
        elif os.pread(fd, 1, size - 1) != b"\n":
            payload = b"\n" + payload
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def dumps(data, readable: bool = True) -> bytes:
    """Indented for the files a person may open; compact for indexes only the program reads."""
    return orjson.dumps(data, option=(orjson.OPT_INDENT_2 if readable else 0) | orjson.OPT_SORT_KEYS)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
