"""Reading the audit log (audit.jsonl): one JSON line per change, appended by each commit."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Iterator

import orjson

from ..core.errors import DataFolderError
from .files import describe_os_error
from .folder import AUDIT


def entries(folder: Path, needle: str = "") -> Iterator[dict]:
    """The log's entries, oldest first. With `needle`, only lines holding that text (a byte test before
    any parsing, so looking up one appointment in years of log stays quick). A line being appended right
    now may be cut short: it is skipped, as is anything that is not an entry."""
    path = folder / AUDIT
    want = needle.encode()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DataFolderError(describe_os_error(exc, path, "reading")) from None
    with os.fdopen(fd, "rb") as f:
        for line in f:
            if want and want not in line:
                continue
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(entry, dict) and _stamped(entry.get("time")):
                yield entry


def _stamped(text) -> bool:
    try:
        return isinstance(text, str) and datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
