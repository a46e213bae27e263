"""Shared fixtures: a small practice in a temp data folder, with "now" fixed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui_scheduler.services import Scheduler

# Monday 2026-11-23 08:00 in Chicago (UTC-6): tests speak of "tomorrow 10:00" = 2026-11-24 10:00 local.
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
TZ = "America/Chicago"


# the installed command, run as a desk would run it
EXE = Path(sys.executable).with_name("tui-scheduler")


def cli_env(data: Path, now: datetime = NOW, **extra: str) -> dict:
    """The environment the real command runs in: this data folder and this "now"."""
    return {**os.environ, "TUI_SCHEDULER_DATA": str(data), "TUI_SCHEDULER_NOW": now.isoformat(), **extra}


def fixed(now: datetime = NOW):
    return lambda: now


def small_practice(folder: Path, now: datetime = NOW) -> Scheduler:
    """Two massage rooms, a chiro room, a PT room; two therapists, a chiropractor, a PT; four clients."""
    s = Scheduler(folder, clock=fixed(now), user="tester")
    s.init(TZ, "Test Clinic", ["mon-fri 08:00-19:00", "sat 09:00-14:00"])
    with s.batch():
        s.add_room("Cedar", "massage")
        s.add_room("Willow", "massage")
        s.add_room("Adjusting", "chiropractic")
        s.add_room("Gym", "physical-therapy")
        s.add_staff("Maya", "therapist", ["swedish", "deep-tissue", "trigger-point"], ["mon-fri 09:00-17:00"])
        s.add_staff("Daniel", "therapist", ["swedish", "lymph-drainage"], ["mon-sat 08:00-19:00"])
        s.add_staff("Dr Patel", "chiropractor", [], ["mon-fri 08:00-16:00"])
        s.add_staff("Lena", "physical-therapist", [], [])
        s.add_client("Ann Self", "self-pay")
        s.add_client("Ben Flag", "self-pay", ["osteoporosis"])
        s.add_client("Cara Ins", "insurance")
        s.add_client("Dan Hsa", "hsa-fsa")
    return s


@pytest.fixture
def sched(tmp_path) -> Scheduler:
    return small_practice(tmp_path / "data")


@pytest.fixture
def cli(tmp_path):
    """Run the real console script against a temp data folder: returns (exit code, stdout, stderr)."""
    data = tmp_path / "cli-data"
    def run(*args: str, now: datetime = NOW, data_dir: Path = data):
        done = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=cli_env(data_dir, now),
                              timeout=60)
        return done.returncode, done.stdout, done.stderr

    run.data = data
    return run
