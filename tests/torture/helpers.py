"""Shared pieces of the torture suite: its size, a busier practice, running workers, reading the folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import NOW, small_practice
from tui_scheduler.services import Scheduler

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Scale:
    writers: int          # processes booking at once
    rounds: int           # operations per writer
    kills: int            # SIGKILL rounds
    examples: int         # hypothesis examples per property


SCALES = {
    "small": Scale(writers=8, rounds=12, kills=12, examples=60),
    "big": Scale(writers=8, rounds=150, kills=200, examples=1500),
}


def scale() -> Scale:
    name = os.environ.get("TORTURE_SCALE", "small")
    if name not in SCALES:
        raise ValueError(f"TORTURE_SCALE must be one of {sorted(SCALES)}, not {name!r}")
    return SCALES[name]


EXTRA_CLIENTS = [f"Client {i:02d}" for i in range(12)]


def busy_practice(folder: Path) -> Scheduler:
    """The shared small practice plus a dozen self-pay clients, so random bookings collide on people,
    rooms and clients alike."""
    s = small_practice(folder)
    with s.batch():
        for name in EXTRA_CLIENTS:
            s.add_client(name, "self-pay")
    return s


def worker_env(data: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TUI_SCHEDULER_DATA": str(data),
            "TUI_SCHEDULER_NOW": NOW.isoformat()}


def start_worker(mode: str, data: Path, *args: str, **popen) -> subprocess.Popen:
    """`python -m tests.torture.worker MODE DATA ARGS...`: its stdout is one JSON line per outcome."""
    return subprocess.Popen([sys.executable, "-m", "tests.torture.worker", mode, str(data), *args],
                            cwd=ROOT, env=worker_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def outcomes(text: str) -> list[dict]:
    """The complete JSON lines a worker printed (a line cut by SIGKILL was never acknowledged)."""
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def audit_lines(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "audit.jsonl").read_text().splitlines() if x.strip()]


def stored_appointments(folder: Path) -> dict[str, dict]:
    """Every appointment record on disk by id, read straight from the month files."""
    found: dict[str, dict] = {}
    for path in sorted((folder / "appointments").glob("[0-9]*.json")):
        for doc in json.loads(path.read_bytes())["appointments"].values():
            assert doc["id"] not in found, f"{doc['id']} is stored twice"
            found[doc["id"]] = doc
    return found


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """The bytes of every file in the data folder except the lock, to prove nothing was overwritten."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def run_as(uid: int, folder: Path, argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI as another user. The interpreter may live where that user cannot read it, so the
    child imports everything as root first and only then gives up root for good."""
    code = (
        "import os, sys, zoneinfo, locale, gettext, traceback\n"
        "from tui_scheduler import cli, demo\n"
        "zoneinfo.ZoneInfo('America/Chicago')\n"
        "cli.build_parser().parse_args(sys.argv[1:])\n"
        f"os.setgroups([]); os.setgid({uid}); os.setuid({uid})\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "--data", str(folder), *argv], capture_output=True,
                          text=True, env=worker_env(folder), cwd=ROOT, timeout=120)
    return done.returncode, done.stdout, done.stderr


def nobody() -> int:
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the folder to an unprivileged user (as root, permissions never bite)")
    try:
        import pwd

        return pwd.getpwnam("nobody").pw_uid
    except KeyError:
        pytest.skip("no 'nobody' user to run as")
