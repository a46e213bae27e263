"""backup and restore, run for real: archives of a live folder, restored and checked, and archives that are
not ours refused."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import orjson
import pytest

from tui_scheduler.services import Scheduler

from .conftest import EXE, NOW, cli_env, fixed, small_practice

ROOT = Path(__file__).parent.parent


def run(*args: str, data: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUI_SCHEDULER_NOW": NOW.isoformat()}
    env.pop("TUI_SCHEDULER_DATA", None)
    if data is not None:
        env["TUI_SCHEDULER_DATA"] = str(data)
    return subprocess.run([str(EXE), *args], env=env, capture_output=True, timeout=120, input=stdin)


def listing(data: Path, days: int = 90) -> list[dict]:
    done = run("list", "--from", "2026-11-01", "--days", str(days), "--json", data=data)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    visit = s.book_visit("Ann", "Dr Patel", "Adjusting", "2026-11-24 12:00", 45)
    s.book_spot(visit.id, "Daniel", "2026-11-24 12:15", region="neck")
    s.new_feed("practice")
    return folder


def test_backup_then_restore_gives_the_same_practice(data, tmp_path):
    archive = tmp_path / "clinic.tar.gz"
    done = run("backup", "--out", str(archive), data=data)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert b"backed up" in done.stdout and str(archive).encode() in done.stdout
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o660  # health information: no one else reads it
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = orjson.loads(tar.extractfile("MANIFEST.json").read())
    assert names[0] == "MANIFEST.json"
    assert manifest["practice"] == "Test Clinic" and manifest["revision"] == Scheduler(data).revision()
    assert {"practice.json", "clients.json", "feeds.json", "audit.jsonl", "revision.json"} <= set(manifest["files"])
    assert any(f.startswith("appointments/") for f in manifest["files"])
    assert sorted(f"data/{f}" for f in manifest["files"]) == sorted(names[1:])
    assert not any(name.startswith("data/.") or "lock" in name for name in names)

    restored = tmp_path / "restored"
    done = run("restore", str(archive), "--data", str(restored))
    assert done.returncode == 0, done.stderr
    assert b"restored" in done.stdout and b"ok: 3 appointments" in done.stdout
    assert listing(restored) == listing(data)
    assert run("check", data=restored).returncode == 0
    for path in restored.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o2770 if path.is_dir() else 0o660), path
    # the restored folder is a working one
    done = run("book", "session", "--client", "Ben", "--therapist", "Daniel", "--room", "Willow", "--modality",
               "swedish", "--start", "2026-11-25 10:00", "--minutes", "60", "--override", "cleared", data=restored)
    assert done.returncode == 0, done.stderr

    # and through a pipe: backup --out - | restore - --data DIR
    piped = run("backup", "--out", "-", data=data)
    assert piped.returncode == 0 and b"backed up" in piped.stderr
    again = tmp_path / "again"
    assert run("restore", "-", "--data", str(again), stdin=piped.stdout).returncode == 0
    assert listing(again) == listing(data)


def test_restore_goes_only_into_an_empty_or_new_folder(data, tmp_path):
    archive = tmp_path / "clinic.tar.gz"
    assert run("backup", "--out", str(archive), data=data).returncode == 0
    before = sorted(p.name for p in data.iterdir())
    done = run("restore", str(archive), "--data", str(data))
    assert done.returncode == 2 and b"not empty" in done.stderr and done.stderr.count(b"\n") == 1
    assert sorted(p.name for p in data.iterdir()) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("restore", str(archive), "--data", str(empty)).returncode == 0
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    done = run("restore", str(archive), "--data", str(link))
    assert done.returncode == 2 and b"symbolic link" in done.stderr and not (tmp_path / "elsewhere").exists()
    done = run("restore", str(archive))
    assert done.returncode == 2 and b"--data" in done.stderr


def test_backup_refuses_clearly(data, tmp_path):
    done = run("backup", "--out", str(data / "inside.tar.gz"), data=data)
    assert done.returncode == 2 and b"inside the data folder" in done.stderr
    assert not (data / "inside.tar.gz").exists()
    empty = tmp_path / "nothing"
    empty.mkdir()
    done = run("backup", "--out", str(tmp_path / "x.tar.gz"), data=empty)
    assert done.returncode in (2, 3) and b"Traceback" not in done.stderr and done.stderr.count(b"\n") == 1
    assert not (tmp_path / "x.tar.gz").exists()
    (data / "notes.sh").symlink_to("/etc/hostname")
    done = run("backup", "--out", str(tmp_path / "y.tar.gz"), data=data)
    assert done.returncode == 3 and b"symbolic link" in done.stderr and not (tmp_path / "y.tar.gz").exists()


WRITER = """
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from tui_scheduler.services import Scheduler
from tests.conftest import fixed
s = Scheduler(sys.argv[1], clock=fixed(), user="writer")
start = datetime(2026, 11, 26, 14, 0, tzinfo=timezone.utc)
for i in range(1000):  # bounded; the test asks it to stop long before
    if Path(sys.argv[2]).exists():
        break
    s.book_session("Dan", "Daniel", "Cedar" if i % 2 else "Willow", "swedish", start + timedelta(minutes=90 * i), 60,
                   override="load test")
    print(i, flush=True)
    time.sleep(0.02)  # a desk's pace: back-to-back commits would starve the backup's wait for the lock
"""


def test_backups_taken_while_another_process_books_are_each_one_moment(data, tmp_path):
    """Each booking is one commit: an archive of one consistent moment holds exactly as many of the
    writer's bookings as commits its manifest's revision counts since the writer began."""
    base = Scheduler(data).revision()
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(data), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "0", writer.stderr.read()  # it has begun
    archives = []
    for n in range(4):  # taken while the writer books
        archives.append(tmp_path / f"b{n}.tar.gz")
        done = run("backup", "--out", str(archives[-1]), data=data)
        assert done.returncode == 0, done.stderr
    stop.touch()
    acknowledged = 1 + len(writer.stdout.read().split())
    assert writer.wait(120) == 0, writer.stderr.read()
    archives.append(tmp_path / "last.tar.gz")
    assert run("backup", "--out", str(archives[-1]), data=data).returncode == 0
    counts = []
    for archive in archives:
        target = tmp_path / f"r-{archive.stem}"
        done = run("restore", str(archive), "--data", str(target))
        assert done.returncode == 0, (done.stdout, done.stderr)  # `check` found nothing wrong
        revision = Scheduler(target).revision()
        theirs = [a for a in listing(target, days=800) if a["client"] == "Dan Hsa"]
        assert len(theirs) == revision - base, archive
        counts.append(len(theirs))
    assert counts == sorted(counts) and counts[-1] == acknowledged
    assert counts[0] < acknowledged  # the first was taken while the writer was still booking


def tar_of(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info, content in members:
            tar.addfile(info, io.BytesIO(content) if info.isfile() else None)
    return out.getvalue()


def member(name: str, content: bytes = b"", kind=tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(content) if kind == tarfile.REGTYPE else 0
    return info, content


def test_restore_refuses_archives_that_are_not_ours(data, tmp_path):
    good = tmp_path / "good.tar.gz"
    assert run("backup", "--out", str(good), data=data).returncode == 0
    with tarfile.open(good) as tar:
        originals = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    manifest = orjson.loads(originals[0][1])

    def with_manifest(extra_files: dict, members: list) -> bytes:
        m = {**manifest, "files": {**manifest["files"], **extra_files}}
        return tar_of([member("MANIFEST.json", orjson.dumps(m)), *originals[1:], *members])

    sha = __import__("hashlib").sha256
    evil = b"echo owned\n"
    listed = {"x.json": {"size": len(evil), "sha256": sha(evil).hexdigest()}}
    cases = {
        "absolute": with_manifest({}, [member("/tmp/evil-absolute", evil)]),
        "dotdot": with_manifest(listed, [member("data/../x.json", evil)]),
        "deep dotdot": with_manifest({}, [member("data/appointments/../../../evil", evil)]),
        "symlink": with_manifest({}, [member("data/link.json", kind=tarfile.SYMTYPE, link="/etc/passwd")]),
        "hard link": with_manifest({}, [member("data/hard.json", kind=tarfile.LNKTYPE, link="data/practice.json")]),
        "device": with_manifest({}, [member("data/dev.json", kind=tarfile.CHRTYPE)]),
        "folder": with_manifest({}, [member("data/sub", kind=tarfile.DIRTYPE)]),
        "hidden": with_manifest({".bashrc": listed["x.json"]}, [member("data/.bashrc", evil)]),
        "unlisted": with_manifest({}, [member("data/x.json", evil)]),
        "outside data/": with_manifest({}, [member("x.json", evil)]),
        "changed": tar_of([originals[0], *[(m, c.replace(b"Ann Self", b"Eve Self")) if m.name.endswith(
            "clients.json") else (m, c) for m, c in originals[1:]]]),
        "missing a file": tar_of(originals[:-1]),
        "no manifest": tar_of(originals[1:]),
        "foreign manifest": tar_of([member("MANIFEST.json", b'{"format": "other"}'), *originals[1:]]),
        "not gzip": b"PK\x03\x04 not a tar at all",
        "cut short": good.read_bytes()[: len(good.read_bytes()) // 2],
    }
    for why, archive in cases.items():
        target = tmp_path / f"target-{why.replace(' ', '-').replace('/', '')}"
        path = tmp_path / "bad.tar.gz"
        path.write_bytes(archive)
        done = run("restore", str(path), "--data", str(target))
        assert done.returncode == 2, (why, done.stdout, done.stderr)
        assert done.stderr.count(b"\n") == 1 and b"Nothing was restored" in done.stderr, (why, done.stderr)
        assert not target.exists(), why
    assert not Path("/tmp/evil-absolute").exists()
    assert not (tmp_path / "x.json").exists()


def test_a_backup_waits_for_a_change_being_saved(data, tmp_path):
    """A backup started while another desk's change is open waits for the folder's lock, and so holds
    that change whole."""
    sched = Scheduler(data, clock=fixed(), user="desk")
    archive = tmp_path / "during.tar.gz"
    env = cli_env(data)
    with sched.batch():
        sched.add_client("Zed Late", "self-pay")
        proc = subprocess.Popen([str(EXE), "backup", "--out", str(archive)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        said = proc.stderr.readline()  # it says so when it has to wait
        assert b"waiting for a change another desk is saving" in said, said + proc.stderr.read()
        assert proc.poll() is None
        assert not archive.exists()
    assert proc.wait(60) == 0, proc.stderr.read()
    restored = tmp_path / "restored"
    assert run("restore", str(archive), "--data", str(restored)).returncode == 0
    assert any(c.name == "Zed Late" for c in Scheduler(restored).clients())
