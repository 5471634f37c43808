"""Opening a SQLite file in WAL mode from several processes at once (the embedded shape's workers).

Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait for: the
worker processes starting together on a fresh data directory see "database is locked" at once. The
switch is tried again until it holds or the deadline passes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

WAL_SWITCH_DEADLINE_S = 10.0


def use_wal(connection: sqlite3.Connection, *, deadline_s: float = WAL_SWITCH_DEADLINE_S) -> None:
    give_up = time.monotonic() + deadline_s
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > give_up:
                raise
            time.sleep(0.02)


def open_durable(path: Path) -> sqlite3.Connection:
    """How each of the embedded shape's SQLite files is opened: shared by the process's threads (under
    its adapter's lock), autocommit unless a transaction is begun, waiting up to 30 s for another
    process's lock, in WAL mode, and ``synchronous=FULL`` (a write answered survives a power cut)."""
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        use_wal(connection)
        connection.execute("PRAGMA synchronous=FULL")
    except BaseException:
        connection.close()
        raise
    return connection
