"""Which process of the embedded shape writes the tantivy indexes.

tantivy allows one writer per index directory and any number of readers. The
embedded shape can run several worker processes over one data directory (the
setting ``workers``): the first to take this lock (an exclusive ``flock`` on
``<data dir>/writer.lock``) opens the writers and runs the indexing consumer;
the others open the indexes read-only and serve requests. The kernel drops the
lock when its holder dies, however it dies, so the worker started in its place
takes it over.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_NAME = "writer.lock"


class WriterLock:
    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    @classmethod
    def try_take(cls, data_dir: Path) -> WriterLock | None:
        """The lock if no other process holds it, else None."""
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = (data_dir / LOCK_NAME).open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for a person looking: which process writes
        handle.flush()
        return cls(handle)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def held_by_another_process(data_dir: Path) -> bool:
    """True while some other process holds the writer lock (what a reader's /readyz reports)."""
    lock = WriterLock.try_take(data_dir)
    if lock is None:
        return True
    lock.release()
    return False
