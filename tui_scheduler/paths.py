"""Where things live on disk by default (platformdirs: the right place on Linux, macOS and Windows)."""

from __future__ import annotations

import traceback
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

APP = "tui-scheduler"


def default_data_dir() -> Path:
    return platformdirs.user_data_path(APP)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP)


def log_file() -> Path:
    return platformdirs.user_log_path(APP) / "errors.log"


def log_exception(exc: BaseException) -> Path:
    """Keep the traceback of an unexpected error for the developers, out of the person's sight."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now(timezone.utc).isoformat()}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return path
