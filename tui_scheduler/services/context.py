"""What every area of the service shares: the data folder, the clock, who is asking, and transactions.

Each call of an area is one transaction: load fresh, apply the rules, commit. `batch()` makes several calls
one transaction; reads inside it see the batch's own staged writes.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from ..store.folder import DataFolder
from .desk import Desk


class Context:
    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] | None = None,
                 user: str | None = None, lock_timeout: float = 15.0):
        self.folder = DataFolder(data_dir, lock_timeout=lock_timeout)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.user = user
        self._batch = threading.local()  # the Desk of an open batch, per thread

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    @contextmanager
    def write(self) -> Iterator[Desk]:
        """A transaction that commits what it staged, or the open batch's."""
        if getattr(self._batch, "desk", None) is not None:
            self._no_writes_in_a_view()
            yield self._batch.desk
            return
        with self.folder.transaction(self.user) as tx:
            tx.now = self.now()  # the audit log says when by the practice's clock (fixed in tests and demos)
            yield Desk(tx)

    @contextmanager
    def read(self) -> Iterator[Desk]:
        """A consistent read under the folder's lock (rule previews and listings), or the open batch's."""
        if getattr(self._batch, "desk", None) is not None:
            yield self._batch.desk
            return
        with self.folder.reading() as tx:
            yield Desk(tx)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several calls as one transaction: they commit together, or (on an error) none of them does.

        A call refused inside a batch stages nothing (every call checks before it writes), so the
        caller may catch the refusal and go on.
        """
        if getattr(self._batch, "desk", None) is not None:
            self._no_writes_in_a_view()
            yield
            return
        with self.folder.transaction(self.user) as tx:
            tx.now = self.now()
            self._batch.desk = Desk(tx)
            try:
                yield
            finally:
                self._batch.desk = None

    @contextmanager
    def view(self) -> Iterator[None]:
        """Several reads as one consistent view under one shared lock: a screen's rooms, names and
        appointments all from the same commit. Nothing can be written inside it."""
        if getattr(self._batch, "desk", None) is not None:
            yield
            return
        with self.folder.reading() as tx:
            self._batch.desk, self._batch.viewing = Desk(tx), True
            try:
                yield
            finally:
                self._batch.desk, self._batch.viewing = None, False

    def _no_writes_in_a_view(self) -> None:
        if getattr(self._batch, "viewing", False):
            raise RuntimeError("a change was asked for inside a read-only view")  # a bug of ours, not the user's


class Area:
    """One area of the practice's use cases. `ctx` is the shared plumbing; `services` reaches the other
    areas (a series books through booking, the day sheet describes through booking)."""

    def __init__(self, ctx: Context, services):
        self.ctx = ctx
        self.services = services

    def now(self) -> datetime:
        return self.ctx.now()
