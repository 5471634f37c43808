"""Opening a SQLite file in WAL mode from several processes at once (the embedded shape's workers).

Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait for: the
worker processes starting together on a fresh data directory see "database is locked" at once. The
switch is tried again until it holds or the deadline passes.
"""

from __future__ import annotations

import sqlite3
import time

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
