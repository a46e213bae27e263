"""Where things live on disk by default (platformdirs: the right place on Linux, macOS and Windows)."""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

import platformdirs

APP = "tui-scheduler"


def default_data_dir() -> Path:
    return platformdirs.user_data_path(APP)


def demo_folder() -> Path:
    """Where `--demo` keeps its practice."""
    return default_data_dir() / "demo"


def config_dir() -> Path:
    return platformdirs.user_config_path(APP)


def log_file() -> Path:
    return platformdirs.user_log_path(APP) / "errors.log"


def log_exception(exc: BaseException) -> Path:
    """Keep the traceback of an unexpected error for the developers, out of the person's sight."""
    path = log_file()
    try:
        with open_private_log(path) as f:
            f.write(f"--- {datetime.now(timezone.utc).isoformat()}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return path


def open_private_log(path: Path) -> TextIO:
    """A log file for appending that only its owner can read: a traceback can carry a client's details.
    A log made earlier with wider permissions is narrowed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "a", encoding="utf-8")
