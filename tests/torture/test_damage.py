"""Damaged data files, a read-only folder, a full disk: a clear one-line error, and nothing overwritten.

The matrix runs the CLI in-process (`cli.main`, the same code the console script runs, exit codes and
all) so that it can cover every file with every kind of damage quickly; one case per kind of damage also
runs the real console script.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import NOW, small_practice
from tests.torture.helpers import ROOT, nobody as _nobody, run_as as _run_as, snapshot_files, worker_env
from tui_scheduler import cli
from tui_scheduler.core.errors import DataFolderError
from tui_scheduler.services import Scheduler
from tui_scheduler.store import files as files_mod

BOOK = ["book", "session", "--client", "Dan", "--therapist", "Daniel", "--room", "Willow", "--modality",
        "swedish", "--start", "2026-11-24 12:00", "--minutes", "60", "--override", "damage test"]
LIST = ["list", "--from", "2026-11-24", "--days", "1"]


def _practice(folder: Path) -> Path:
    """A practice whose every kind of file exists: two months, a moved appointment, a referral."""
    s = small_practice(folder)
    s.add_referral("Cara", 6, "2027-03-01", issued="2026-11-01", prescriber="Dr. Chen")
    a = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    s.book_visit("Ben", "Dr Patel", "Adjusting", "2026-11-24 09:00", 30)
    s.book_session("Cara", "Daniel", "Cedar", "swedish", "2026-12-01 10:00", 60, override="torture")
    s.move(a.id, "2026-12-02 11:00")
    assert (folder / "moved.json").exists() and (folder / "referrals.json").exists()
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return _practice(tmp_path_factory.mktemp("pristine") / "data")


def _garbage(n: int = 700) -> bytes:
    rng = random.Random(n)
    return bytes(rng.randrange(256) for _ in range(n))


def _damages(raw: bytes, table: str | None) -> dict[str, bytes]:
    """Ways a file gets damaged: cut short, emptied, overwritten with noise, or valid JSON of the wrong shape."""
    out = {
        "truncated": raw[: len(raw) // 2],
        "empty": b"",
        "zeros": b"\0" * 4096,  # what a file often holds after a crash on some filesystems
        "garbage": _garbage(),
        "list": b"[]",
        "null": b"null",
        "number": b"42",
    }
    if table is None:
        out.update(REVISION_SHAPES)
    else:
        data = json.loads(raw)
        out["table-is-list"] = json.dumps({table: []}).encode()
        out["record-is-text"] = json.dumps({table: {"1": "hello"}}).encode()
        records = data.get(table) or {}
        if records:
            first_key = next(iter(records))
            record = records[first_key]
            out["record-missing-fields"] = json.dumps({table: {first_key: {"id": record.get("id", "x")}}}).encode()
            for field, value in record.items():
                if field == "id":
                    continue
                bad = dict(record)
                bad[field] = 12345 if not isinstance(value, int) or isinstance(value, bool) else "twelve"
                wrong = json.loads(raw)
                wrong[table][first_key] = bad
                out[f"field-{field}-wrong-type"] = json.dumps(wrong).encode()
    return out


TARGETS = {  # file -> the table inside it
    "practice.json": "practice",
    "rooms.json": "rooms",
    "staff.json": "staff",
    "clients.json": "clients",
    "referrals.json": "referrals",
    "appointments/2026-11.json": "appointments",
    "appointments/2026-12.json": "appointments",
    "moved.json": "moved",
    "revision.json": None,
}
REVISION_SHAPES = {  # valid JSON, wrong content: the revision counter must never silently restart
    "revision-is-text": b'{"revision": "many", "files": {}}',
    "files-is-list": b'{"revision": 7, "files": []}',
}


def _cases():
    """(file, kind) pairs, built from a throwaway practice so that collection needs no fixture."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _practice(Path(tmp) / "data")
        return [(rel, kind) for rel, table in TARGETS.items()
                for kind in _damages((folder / rel).read_bytes(), table)]


def _run(argv: list[str], folder: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["--data", str(folder), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_clear(code: int, err: str, name: str) -> None:
    assert code == 3, (code, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert name in err, err


@pytest.mark.parametrize("rel,kind", _cases())
def test_a_damaged_file_is_named_and_never_overwritten(pristine, tmp_path, capsys, monkeypatch, rel, kind):
    monkeypatch.setenv("TUI_SCHEDULER_NOW", NOW.isoformat())
    folder = tmp_path / "data"
    shutil.copytree(pristine, folder)
    damaged = _damages((folder / rel).read_bytes(), TARGETS[rel])[kind]
    (folder / rel).write_bytes(damaged)
    name = Path(rel).name
    before = snapshot_files(folder)

    # reading everything must stop at the damaged file and say which one it is
    code, out, err = _run(["check"], folder, capsys)
    _assert_clear(code, err, name)
    assert snapshot_files(folder) == before

    # everyday commands do not need the file, or stop with the same clear error, or (when a damaged record
    # hides a name) refuse; never a traceback
    for argv in (LIST, BOOK):
        code, out, err = _run(argv, folder, capsys)
        assert code in (0, 1, 3), (argv[0], code, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
        if code != 0:
            assert code == 1 or name in err, err
            assert snapshot_files(folder) == before, f"{argv[0]} refused but changed files"
        assert (folder / rel).read_bytes() == damaged, f"{argv[0]} overwrote the damaged {rel}"


@pytest.mark.parametrize("kind", ["truncated", "empty", "garbage", "list"])
def test_the_real_console_script_reports_damage_in_one_line(pristine, tmp_path, kind):
    folder = tmp_path / "data"
    shutil.copytree(pristine, folder)
    rel = "appointments/2026-11.json"
    (folder / rel).write_bytes(_damages((folder / rel).read_bytes(), "appointments")[kind])
    before = snapshot_files(folder)
    for argv in (["check"], BOOK):
        done = subprocess.run([sys.executable, "-m", "tui_scheduler.cli", *argv], capture_output=True, text=True,
                              env=worker_env(folder), cwd=ROOT, timeout=120)
        _assert_clear(done.returncode, done.stderr, "2026-11.json")
    assert snapshot_files(folder) == before


def test_a_damaged_journal_is_named_and_left_for_a_person(pristine, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TUI_SCHEDULER_NOW", NOW.isoformat())
    folder = tmp_path / "data"
    shutil.copytree(pristine, folder)
    for content in (b"", b"{\"txid\": ", _garbage(), b"[]", b"{\"files\": 7}", b"{\"files\": [[1, 2, 3]]}"):
        (folder / "journal.json").write_bytes(content)
        before = snapshot_files(folder)
        for argv in (["check"], LIST, BOOK):
            code, out, err = _run(argv, folder, capsys)
            _assert_clear(code, err, "journal.json")
        assert snapshot_files(folder) == before


# --- a folder nobody may write -------------------------------------------------------------------------


@pytest.mark.parametrize("lock_writable", [False, True], ids=["all-read-only", "lock-writable"])
def test_a_read_only_folder_gives_a_clear_error_and_stays_as_it_was(pristine, shared_tmp, lock_writable):
    uid = _nobody()
    folder = shared_tmp / "data"
    shutil.copytree(pristine, folder)
    (folder / ".lock").touch()
    for p in [folder, *folder.rglob("*")]:
        os.chown(p, uid, uid)
        p.chmod(0o555 if p.is_dir() else 0o444)
    if lock_writable:
        (folder / ".lock").chmod(0o660)
    before = snapshot_files(folder)

    code, out, err = _run_as(uid, folder, BOOK)
    _assert_clear(code, err, str(folder))
    assert "permission" in err
    code, out, err = _run_as(uid, folder, LIST)
    if lock_writable:
        assert code == 0 and "Ben Flag" in out, (code, out, err)
    else:
        _assert_clear(code, err, ".lock")
    assert snapshot_files(folder) == before


# --- a full disk -----------------------------------------------------------------------------------------


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a tiny filesystem needs root on Linux (mount -t tmpfs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_gives_a_clear_error_and_keeps_every_file(pristine, tmp_path):
    mnt = tmp_path / "tiny"
    _mount_tmpfs(mnt, "1m")
    try:
        folder = mnt / "data"
        shutil.copytree(pristine, folder)
        # fill the filesystem to the last byte
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        before = snapshot_files(folder)
        for argv in (BOOK, ["cancel", "nonexistent"], ["check"]):
            done = subprocess.run([sys.executable, "-m", "tui_scheduler.cli", *argv], capture_output=True,
                                  text=True, env=worker_env(folder), cwd=ROOT, timeout=120)
            assert "Traceback" not in done.stderr, done.stderr
            if argv is BOOK:
                _assert_clear(done.returncode, done.stderr, str(folder))
                assert "disk is full" in done.stderr
            assert snapshot_files(folder) == before
        assert not list(folder.rglob(".*tx-*"))
        # once there is room again, the same booking goes through and the folder checks clean
        (mnt / "filler").unlink()
        done = subprocess.run([sys.executable, "-m", "tui_scheduler.cli", *BOOK], capture_output=True,
                              text=True, env=worker_env(folder), cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        assert Scheduler(folder).check_folder()[0] == []
    finally:
        _umount(mnt)


def test_a_read_only_filesystem_gives_a_clear_error(pristine, tmp_path):
    mnt = tmp_path / "ro"
    _mount_tmpfs(mnt, "4m")
    try:
        folder = mnt / "data"
        shutil.copytree(pristine, folder)
        before = snapshot_files(folder)
        done = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        for argv in (BOOK, LIST):
            done = subprocess.run([sys.executable, "-m", "tui_scheduler.cli", *argv], capture_output=True,
                                  text=True, env=worker_env(folder), cwd=ROOT, timeout=120)
            _assert_clear(done.returncode, done.stderr, str(folder))
            assert "read-only" in done.stderr, done.stderr
        assert snapshot_files(folder) == before
    finally:
        _umount(mnt)


class _FailingOs:
    """The os module, except that the n-th write (counting from 1) fails with ENOSPC."""

    def __init__(self, fail_at: int):
        self.fail_at, self.writes = fail_at, 0

    def write(self, fd, data):
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)

    def __getattr__(self, name):
        return getattr(os, name)


def test_an_injected_full_disk_at_every_write_of_a_commit(pristine, tmp_path, monkeypatch):
    """Each write of a booking's commit fails in turn: before the commit point nothing changes and the error
    says so; after it the change is finished by the next process, and the error does not claim otherwise."""
    probe = _FailingOs(fail_at=0)
    folder = tmp_path / "probe"
    shutil.copytree(pristine, folder)
    monkeypatch.setattr(files_mod, "os", probe)
    Scheduler(folder, clock=lambda: NOW).book_session("Dan", "Daniel", "Willow", "swedish", "2026-11-24 12:00",
                                                      60, override="x")
    monkeypatch.undo()
    writes = probe.writes
    assert writes >= 3  # month file, journal, audit line, revision

    for n in range(1, writes + 1):
        folder = tmp_path / f"fail{n}"
        shutil.copytree(pristine, folder)
        before = snapshot_files(folder)
        monkeypatch.setattr(files_mod, "os", _FailingOs(fail_at=n))
        with pytest.raises(DataFolderError) as caught:
            Scheduler(folder, clock=lambda: NOW).book_session("Dan", "Daniel", "Willow", "swedish",
                                                              "2026-11-24 12:00", 60, override="x")
        monkeypatch.undo()
        message = caught.value.reason
        assert "disk is full" in message and str(folder) in message
        committed = (folder / "journal.json").exists()
        fresh = Scheduler(folder, clock=lambda: NOW)
        day = [a for a in fresh.appointments(*fresh.day_span(NOW.date().replace(day=24))) if a.staff_id]
        booked = any(a.start.hour == 18 and a.room_id for a in day)  # 12:00 Chicago is 18:00 UTC
        assert fresh.check_folder()[0] == []
        if committed:
            assert booked, f"write {n}: the journal was written, so the booking must be rolled forward"
            assert "nothing was changed" not in message, f"write {n}: {message}"
        else:
            assert not booked, f"write {n}: {message}"
            assert "nothing was changed" in message
            assert snapshot_files(folder) == before
        assert not list(folder.rglob(".*tx-*"))
