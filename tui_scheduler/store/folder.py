"""One data folder shared by every front-desk process: a lock, transactions, a journal, a revision.

A transaction holds the folder's lock from its first read to its last write, so the rules always run
against what is really on disk. Its changes commit through a journal:

1. each changed file is written in full to a temp file beside it (fsync);
2. a journal naming those temp files and the audit lines is written atomically: this is the commit point;
3. the temp files are renamed over the real ones, the audit lines appended, the revision bumped;
4. the journal is removed.

A crash before 2 leaves the old state (stray temp files are swept up); a crash after 2 is rolled forward
by the next process that takes the lock. Readers take the same lock, so they never see half a commit.
"""

from __future__ import annotations

import fcntl
import getpass
import os
import re
import stat
import time
import uuid
from contextlib import contextmanager
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import orjson

from ..core.errors import DataFolderError
from .files import (
    FILE_MODE,
    append_line,
    describe_os_error,
    dumps,
    fsync_dir,
    make_dir,
    read_json,
    replace_atomically,
    write_new,
)

LOCK = ".lock"
COMMIT_LOCK = ".commit-lock"
JOURNAL = "journal.json"
REVISION = "revision.json"
AUDIT = "audit.jsonl"
TEMP_MARK = ".tx-"
SUBFOLDERS = ("appointments", "visits", "notes")  # where commits write besides the top of the folder


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers, cron): the uid still says who
        return f"uid{os.getuid()}"


def _open_lock_file(path: Path) -> int:
    """A descriptor of a lock file to flock, made with the group's bits if it is not there yet; never
    through a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # the umask may have taken the group's bits
        return fd
    except FileExistsError:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)


class DataFolder:
    def __init__(self, path: str | os.PathLike, lock_timeout: float = 15.0):
        self.path = Path(path).expanduser().absolute()
        self.lock_timeout = lock_timeout
        # path -> (version key, parsed content, records built from it): valid while the file's version
        # and stat stay the same; every commit replaces a file by rename, so a changed file always differs
        self._cache: dict[str, tuple[tuple, object, dict]] = {}
        self._swept = False

    def __repr__(self) -> str:
        return f"DataFolder({str(self.path)!r})"

    @cached_property
    def _lock(self):
        """The writers' lock, made on the first write: a process that only reads (the app until its first
        change, `list`, the feeds) never imports filelock, a few milliseconds of every start."""
        import filelock

        return filelock.FileLock(self.path / LOCK, timeout=self.lock_timeout, mode=FILE_MODE)

    def create(self) -> None:
        try:
            make_dir(self.path)
            make_dir(self.path / "appointments")
        except OSError as exc:
            raise DataFolderError(describe_os_error(exc, self.path, "creating")) from None

    def manifest(self) -> dict:
        """The revision file: commit count, last commit's time and txid, and the txid that last wrote
        each data file. Replaced atomically, so it can be read without the lock."""
        data = read_json(self.path / REVISION)
        if data is None:
            return {"revision": 0, "files": {}}
        if not (isinstance(data, dict) and isinstance(data.get("revision", 0), int)
                and isinstance(data.setdefault("files", {}), dict)):
            # starting again from 0 would make the revision go backwards under every poller
            raise DataFolderError(f"{self.path / REVISION} is damaged: it is not a revision record. "
                                  f"It was left untouched; restore it from a backup or move it aside")
        return data

    def revision(self) -> int:
        """The number of commits so far; cheap enough to poll once a second without the lock."""
        return int(self.manifest().get("revision", 0))

    def revision_stamp(self) -> tuple[int, int] | None:
        """A cheap change marker for pollers: the revision file's inode and mtime (a commit replaces it)."""
        try:
            st = os.stat(self.path / REVISION)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    @contextmanager
    def transaction(self, user: str | None = None) -> Iterator[Transaction]:
        """Hold the lock; yield a Transaction; commit what it staged when the block ends without error."""
        with self._locked():
            tx = Transaction(self, user or os_user())
            try:
                yield tx
                tx.commit()
            except BaseException:
                # TinyDB edits the cached dicts in place before we commit: forget them
                self._cache.clear()
                raise

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read-only view: consistent across files, never half a commit.

        Readers share the commit lock, which a writer takes alone only while it commits (milliseconds),
        so a read never waits for another desk's whole transaction, and readers never wait for each
        other. A journal seen under the shared lock was left by a crash: the writer's lock rolls it
        forward first.
        """
        self._check_usable()
        if not self._swept:
            self._tidy_if_free()
        with self._commit_lock(shared=True):
            if not (self.path / JOURNAL).exists():
                tx = Transaction(self, os_user())
                yield tx
                return
        with self._locked():
            yield Transaction(self, os_user())

    @contextmanager
    def held(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """The folder's lock with nothing to commit: no change lands meanwhile (a backup's consistent
        moment), and a crash journal is rolled forward first. `on_wait` is called once if another
        process holds the lock now, so a person can be told why nothing happens yet."""
        self._check_usable()
        import filelock

        got = False
        if on_wait is not None:
            try:
                self._lock.acquire(timeout=0)
                got = True
            except filelock.Timeout:
                on_wait()
            except OSError:
                pass  # _locked says what is wrong
        try:
            with self._locked():
                yield
        finally:
            if got:
                self._lock.release()

    def _tidy_if_free(self) -> None:
        """A process's first read sweeps up what a crashed one left, when no writer is busy (a writer's
        own temp files are not stale); otherwise the next writer does it. The writers' lock file is tried
        with a plain flock, which excludes filelock's flock on it in any process or thread."""
        try:
            fd = _open_lock_file(self.path / LOCK)
        except OSError:
            return  # the next writer says what is wrong
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # a writer is busy
            self._recover()
        finally:
            os.close(fd)  # releases the flock

    def _check_usable(self) -> None:
        lock_path = self.path / LOCK
        try:
            if not self.path.is_dir():
                raise DataFolderError(f"no data folder at {self.path} (run 'tui-scheduler init' first)")
            if os.statvfs(self.path).f_flag & os.ST_RDONLY:  # access() would blame the person's group
                raise DataFolderError(f"the data folder {self.path} is on a read-only filesystem: it cannot be "
                                      f"used until it is mounted read-write")
            if lock_path.exists() and not os.access(lock_path, os.R_OK | os.W_OK):
                raise DataFolderError(f"no permission to use {lock_path} (is your account in the practice's "
                                      f"group?)")
            if not lock_path.exists() and not os.access(self.path, os.W_OK | os.X_OK):
                raise DataFolderError(f"no permission to write in {self.path}")
        except PermissionError:  # the folder itself may not let us look inside
            raise DataFolderError(f"no permission to use {self.path} (is your account in the practice's group? "
                                  f"after being added, log out and in again)") from None

    @contextmanager
    def _commit_lock(self, shared: bool):
        """Shared by readers, held alone by a commit (and a roll-forward) while it renames files into
        place. A fresh descriptor each time: flock locks belong to it, so threads exclude each other too."""
        path = self.path / COMMIT_LOCK
        try:
            fd = _open_lock_file(path)
        except OSError as exc:
            raise DataFolderError(describe_os_error(exc, path, "locking")) from None
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise DataFolderError(f"the data folder {self.path} is busy: a change has been "
                                              f"saving for over {self.lock_timeout:g} s; try again") from None
                    time.sleep(0.002)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _locked(self):
        import filelock

        self._check_usable()
        lock_path = self.path / LOCK
        try:
            self._lock.acquire(poll_interval=0.005)  # waiters get their turn between a busy writer's commits
        except filelock.Timeout:
            raise DataFolderError(
                f"the data folder {self.path} is busy: another process has held its lock for over "
                f"{self.lock_timeout:g} s; try again"
            ) from None
        except OSError as exc:
            raise DataFolderError(describe_os_error(exc, lock_path, "locking")) from None
        try:
            self._recover()
            yield
        finally:
            self._lock.release()

    # --- reading -----------------------------------------------------------------------------------

    def load(self, rel: str, version: str | None = None):
        """Parsed content of a data file, re-read whenever the file on disk has changed.

        `version` is the txid that last wrote the file, from the revision manifest; together with the
        file's stat it tells a cached copy apart from a newer file even when the filesystem reuses an
        inode within one mtime tick.
        """
        path = self.path / rel
        try:
            st = os.stat(path)
        except FileNotFoundError:
            self._cache.pop(rel, None)
            return None
        except OSError as exc:
            raise DataFolderError(describe_os_error(exc, path, "reading")) from None
        key = (version, st.st_ino, st.st_mtime_ns, st.st_size)
        hit = self._cache.get(rel)
        if hit and hit[0] == key:
            return hit[1]
        data = read_json(path)
        if data is not None and not isinstance(data, dict):
            raise DataFolderError(f"{path} is damaged: it should hold tables of records. It was left untouched")
        self._cache[rel] = (key, data, {})
        return data

    def months(self) -> list[str]:
        """The appointment partitions that exist, oldest first ('YYYY-MM')."""
        folder = self.path / "appointments"
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))

    # --- crash recovery ----------------------------------------------------------------------------

    def _recover(self) -> None:
        journal = self.path / JOURNAL
        if journal.exists():
            entry = read_json(journal)
            if not _journal_ok(entry):
                raise DataFolderError(f"{journal} is damaged; it was left untouched. Move it aside to go on")
            wrong = self._not_ours(entry)
            if wrong:
                raise DataFolderError(f"{journal} was not written by tui-scheduler ({wrong}); it was left "
                                      f"untouched and nothing was changed. Move it aside to go on, and ask who "
                                      f"wrote it")
            with self._commit_lock(shared=False):
                self._apply(entry)
        if not self._swept:
            self._sweep()
            self._swept = True

    def _not_ours(self, entry: dict) -> str:
        """Why a journal is not one our commit wrote, or ''. Every member of the practice's group can write
        the folder, so a journal is checked before anyone's process acts on it: roll-forward renames only
        our own temp files onto our own data files, inside the folder and through no symlink, and moves
        the revision one step on."""
        txid = entry["txid"]
        if not _TXID.match(txid):
            return "its transaction id is not one of ours"
        for tmp_rel, final_rel in entry["files"]:
            if not _DATA_FILE.match(final_rel):
                return f"it names {final_rel[:80]!r}, which is not a data file of the folder"
            parent, _, name = final_rel.rpartition("/")
            if tmp_rel != f"{parent + '/' if parent else ''}.{name}{TEMP_MARK}{txid}":
                return f"it names {tmp_rel[:80]!r}, which is not a temp file of its own transaction"
            if parent and not _real_dir(self.path / parent):
                return f"{parent} is not a plain folder inside the data folder"
        revision = entry["revision"]
        current = self.manifest()
        step = revision.get("revision")
        if revision.get("txid") != txid or not isinstance(revision.get("files"), dict):
            return "its revision record does not belong to it"
        if not (step == current["revision"] + 1 or (step == current["revision"] and current.get("txid") == txid)):
            return f"it would set the revision to {step!r} from {current['revision']}"
        return ""

    def _apply(self, entry: dict) -> None:
        """Finish a committed transaction: idempotent, so a crash inside it is rolled forward again."""
        try:
            dirs = set()
            for tmp_rel, final_rel in entry["files"]:
                tmp = self.path / tmp_rel
                if tmp.exists():
                    os.replace(tmp, self.path / final_rel)
                dirs.add((self.path / final_rel).parent)
            for d in dirs:
                fsync_dir(d)
            audit = self.path / AUDIT
            try:
                if entry["audit"] and not _audit_has(audit, entry["txid"]):
                    append_line(audit, b"".join(orjson.dumps(line) + b"\n" for line in entry["audit"]))
            except PermissionError:
                raise DataFolderError(_audit_not_writable(audit)) from None
            replace_atomically(self.path / REVISION, dumps(entry["revision"]), TEMP_MARK + entry["txid"])
            os.unlink(self.path / JOURNAL)
            fsync_dir(self.path)
        except OSError as exc:
            raise DataFolderError(describe_os_error(exc, self.path, "finishing a saved change in", saved=True)) from None

    def _sweep(self) -> None:
        """Remove temp files of transactions that crashed before their commit point."""
        for folder in (self.path, *(self.path / sub for sub in SUBFOLDERS)):
            try:
                names = os.listdir(folder)  # not Path.glob: this runs at every start, over 256 visit files
            except OSError:
                continue
            for name in names:
                if name.startswith(".") and TEMP_MARK in name[1:]:
                    try:
                        os.unlink(folder / name)
                    except OSError:
                        pass


# What a commit of ours writes: a data file at the top of the folder or in one plain subfolder of it
# (appointments/2026-11.json, visits/07.json), and uuid4 hex transaction ids.
_DATA_FILE = re.compile(r"^(?:[a-z]+/)?[a-z0-9][a-z0-9_-]*\.json$")
_TXID = re.compile(r"^[0-9a-f]{32}$")


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True  # made by the commit that needs it
    except OSError:
        return False


def _surviving(memo: dict, data: dict, was: object) -> dict:
    """The built records whose stored dicts are still part of a file we just wrote: a commit touches a few
    records of a month, and the rest need not be built again. A dict edited in place is caught by the
    reader, which compares its sequence (every change raises it).

    A check of a whole table (its shape, its times) holds for the table we wrote from it too: its records
    are the checked ones or ones this commit made, so a month is not checked again after each booking."""
    alive = set()
    for table in data.values():
        if isinstance(table, dict):
            alive.update(map(id, table.values()))  # in C: a month holds thousands
    out = {k: v for k, v in memo.items() if isinstance(k, int) and k in alive}
    tables = {id(t): name for name, t in was.items() if isinstance(t, dict)} if isinstance(was, dict) else {}
    for key, checked in memo.items():  # a check's memo holds the very table it checked
        name = tables.get(id(checked))
        if name is not None and isinstance(data.get(name), dict):
            out[key] = data[name]
    return out


def _journal_ok(entry) -> bool:
    """The shape `Transaction.commit` writes; anything else is not ours to roll forward."""
    return (isinstance(entry, dict) and isinstance(entry.get("txid"), str)
            and isinstance(entry.get("files"), list)
            and all(isinstance(f, list) and len(f) == 2 and all(isinstance(p, str) for p in f)
                    for f in entry["files"])
            and isinstance(entry.get("audit"), list) and all(isinstance(a, dict) for a in entry["audit"])
            and isinstance(entry.get("revision"), dict))


def _audit_not_writable(audit: Path) -> str:
    """The change is saved (its journal is written) but its audit lines cannot be added: say so, and who
    can make the log writable again (every change waits for its audit line, so none is ever lost)."""
    try:
        st = os.stat(audit)
        import pwd

        owner = pwd.getpwuid(st.st_uid).pw_name
        mode = f"mode {stat.S_IMODE(st.st_mode):o}, owner {owner}"
    except (OSError, KeyError):
        owner, mode = "its owner", "unreadable"
    return (f"the change is saved, but the audit log {audit} does not let you write ({mode}); changes are "
            f"finished once it does: ask {owner} to run 'chmod 660 {audit}'")


def _audit_has(audit: Path, txid: str) -> bool:
    try:
        with open(audit, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            return txid.encode() in f.read()
    except FileNotFoundError:
        return False


class Transaction:
    """Reads see this transaction's own staged writes first, then the files on disk."""

    def __init__(self, folder: DataFolder, user: str):
        self.folder = folder
        self.user = user
        self.txid = uuid.uuid4().hex
        self.staged: dict[str, dict] = {}
        self._audit: list[dict] = []
        self._finishing: dict[str, Callable[[], None]] = {}
        self._bytes: dict[str, tuple[dict, bytes]] = {}
        self.now = datetime.now(timezone.utc)
        self.manifest = folder.manifest()

    def data(self, rel: str):
        if rel in self.staged:
            return self.staged[rel]
        return self.folder.load(rel, self.manifest["files"].get(rel))

    def built(self, rel: str) -> dict | None:
        """A memo of records built from this file's current content, shared by every transaction until
        the file changes; None while this transaction has its own staged version of the file."""
        if rel in self.staged:
            return None
        hit = self.folder._cache.get(rel)
        return hit[2] if hit else None

    def stage(self, rel: str, data: dict) -> None:
        self.staged[rel] = data

    def before_commit(self, key: str, finish: Callable[[], None]) -> None:
        """Run `finish` once, just before the files are written: for a file derived from others as this
        transaction leaves them (however often it staged them), staged after them."""
        self._finishing[key] = finish

    def bytes_of(self, rel: str) -> bytes:
        """What the commit will write for a staged file, made once for its final content: the big, busy
        files compact (a month is rewritten on every booking), the rest indented for a person who opens them."""
        data = self.staged[rel]
        hit = self._bytes.get(rel)
        if hit is None or hit[0] is not data:
            hit = self._bytes[rel] = (data, dumps(data, readable=not rel.startswith(("visits/", "appointments/"))))
        return hit[1]

    def audit(self, action: str, **details) -> None:
        entry = {"time": self.now.isoformat(), "user": self.user, "action": action, "txid": self.txid}
        if details.keys() & entry.keys():  # who made a change is never a detail's to say
            raise TypeError(f"audit details may not set {sorted(details.keys() & entry.keys())}")
        entry.update({k: v for k, v in details.items() if v not in (None, "", [], {})})
        self._audit.append(entry)

    @staticmethod
    def _discard(written: list[Path]) -> None:
        for tmp in written:
            try:
                tmp.unlink()
            except OSError:
                pass

    def commit(self) -> None:
        for finish in self._finishing.values():
            finish()
        if not self.staged:
            return
        folder = self.folder
        tag = TEMP_MARK + self.txid
        written: list[Path] = []
        try:
            files = []
            for rel, data in self.staged.items():
                final = folder.path / rel
                make_dir(final.parent)
                tmp = final.with_name(f".{final.name}{tag}")
                write_new(tmp, self.bytes_of(rel))
                written.append(tmp)
                files.append([str(tmp.relative_to(folder.path)), rel])
            versions = dict(self.manifest["files"])
            versions.update({rel: self.txid for rel in self.staged})
            revision = {"revision": int(self.manifest.get("revision", 0)) + 1, "time": self.now.isoformat(),
                        "txid": self.txid, "files": versions}
            entry = {"txid": self.txid, "files": files, "audit": self._audit, "revision": revision}
        except OSError as exc:
            self._discard(written)
            raise DataFolderError(describe_os_error(exc, folder.path, "saving to")) from None
        with folder._commit_lock(shared=False):  # readers see all of this commit or none of it
            try:
                replace_atomically(folder.path / JOURNAL, dumps(entry), tag)
            except OSError as exc:
                self._discard(written)
                raise DataFolderError(describe_os_error(exc, folder.path, "saving to")) from None
            folder._apply(entry)
        for rel, data in self.staged.items():
            st = os.stat(folder.path / rel)
            old = folder._cache.get(rel)
            folder._cache[rel] = ((self.txid, st.st_ino, st.st_mtime_ns, st.st_size), data,
                                  _surviving(old[2], data, old[1]) if old else {})
